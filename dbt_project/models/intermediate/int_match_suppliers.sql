-- The ISIC divisions supplying each matched district's main industry (M5, reverse link): the supplier
-- codes of int_district_io_suppliers (as for typology D2 a) in the common industry language, the main
-- industry's own division excluded.
with profiles as (
    select * from {{ ref('int_match_profiles') }}
)

select distinct p.district_id, b.isic4_division
from profiles as p
inner join {{ ref('int_district_io_suppliers') }} as s on s.district_id = p.district_id and s.ref_year = p.ref_year
inner join {{ ref('int_industry_isic4') }} as b
    on b.industry_system = p.industry_system and starts_with(b.industry_code, s.supplier_code)
where b.isic4_division is distinct from p.main_isic4_division
