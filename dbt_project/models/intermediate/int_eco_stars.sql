-- European Cluster Observatory stars (METHOD.md 1.3) for every region x industry with employment:
-- size (the industry's regions at or above the percentile typology_size_star_percentile by employees),
-- specialisation (LQ at or above eco_specialisation_min_lq) and focus (at or above eco_focus_percentile by
-- the industry's share of the region's employment); stars = how many are met.
with cells as (
    select *, {{ safe_divide('employees', 'area_employees') }} as focus
    from {{ ref('int_region_industry_lq') }}
    where employees > 0
),

flags as (
    select
        country,
        ref_year,
        region_code,
        industry_system,
        industry_code,
        employees >= {{ percentile_linear('employees', rule('typology_size_star_percentile')) }}
            over (partition by country, ref_year, industry_system, industry_code) as has_size_star,
        coalesce(lq >= {{ rule('eco_specialisation_min_lq') }}, false) as has_specialisation_star,
        focus >= {{ percentile_linear('focus', rule('eco_focus_percentile')) }}
            over (partition by country, ref_year, industry_system, industry_code) as has_focus_star
    from cells
)

select
    *,
    cast(has_size_star as integer) + cast(has_specialisation_star as integer) + cast(has_focus_star as integer)
        as eco_stars
from flags
