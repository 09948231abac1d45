-- Published as computed in intermediate.int_district_tiers_published (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_district_tiers_published') }}
