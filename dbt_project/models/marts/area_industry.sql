-- Published as computed in intermediate.int_area_industry_published (marts only select what is published; models read
-- the intermediate layer). Built per country x year partition (macros/partitions.sql).
-- depends_on: {{ ref('int_partition_inputs') }}
select * from {{ ref('int_area_industry_published') }} where {{ in_partitions_to_build() }}
