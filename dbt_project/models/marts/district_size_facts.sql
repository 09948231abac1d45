-- Published as computed in intermediate.int_district_size_facts (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_district_size_facts') }}
