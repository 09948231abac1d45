-- Published as computed in intermediate.int_area_industry_published (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_area_industry_published') }}
