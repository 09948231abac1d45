-- Published as computed in intermediate.int_classification_gaps (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_classification_gaps') }}
