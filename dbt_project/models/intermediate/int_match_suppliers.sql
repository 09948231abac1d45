-- The ISIC divisions supplying each matched district's main industry: suppliers with an input-output
-- coefficient >= typology_d2_supplier_min_coefficient in the latest table of its country not after the
-- reference year (as for typology D2 a), the main industry's own division excluded (M5, reverse link).
with profiles as (
    select * from {{ ref('int_match_profiles') }}
),

io as (
    select * from {{ ref('stg_landing__input_output') }}
),

io_user as (
    select
        p.district_id,
        io.ref_year as io_year,
        io.user_code,
        dense_rank() over (partition by p.district_id order by io.ref_year desc, length(io.user_code) desc) as rank
    from profiles as p
    inner join io
        on io.country = p.country and io.industry_system = p.industry_system and io.ref_year <= p.ref_year
        and starts_with(p.main_industry_code, io.user_code)
)

select distinct p.district_id, b.isic4_division
from io_user as u
inner join profiles as p on p.district_id = u.district_id
inner join io
    on io.country = p.country and io.industry_system = p.industry_system and io.ref_year = u.io_year
    and io.user_code = u.user_code
inner join {{ ref('int_industry_isic4') }} as b
    on b.industry_system = p.industry_system and starts_with(b.industry_code, io.supplier_code)
cross join {{ ref('int_rules') }} as r
where u.rank = 1 and io.supplier_code <> io.user_code
  and io.coefficient >= r.typology_d2_supplier_min_coefficient
  and b.isic4_division is distinct from p.main_isic4_division
