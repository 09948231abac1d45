-- Published as computed in intermediate.int_cluster_mapping_gaps (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_cluster_mapping_gaps') }}
