-- Published as computed in intermediate.int_industry_proximity (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_industry_proximity') }}
