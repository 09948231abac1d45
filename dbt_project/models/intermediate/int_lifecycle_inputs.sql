-- Life-cycle inputs per district and year (METHOD.md 3): employees E, local units U, LQ, the
-- ECO size star, and against the previous loaded year of the same district: annualised
-- employment growth minus the national industry's (g, percentage points a year), the entry
-- rate of local units relative to the national industry's, the change in LQ, and NEW: the ISIC
-- divisions related to the main industry's (proximity phi at or above the percentile
-- lifecycle_related_proximity_percentile of that division's proximities, intermediate.int_industry_proximity) whose
-- LQ in the district's region crossed lifecycle_specialised_min_lq since the previous year (the renewal branch).
with districts as (
    select * from {{ ref('int_districts') }}
),

national as (
    select country, ref_year, industry_system, industry_code, sum(employees) as national_employees,
           sum(establishments) as national_units
    from {{ ref('int_region_industry_lq') }}
    group by country, ref_year, industry_system, industry_code
),

units as (
    select * from {{ ref('int_establishments_sized') }}
),

regions as (
    select * from {{ ref('int_area_regions') }}
),

sequenced as (
    select
        d.*,
        lag(d.ref_year) over (partition by d.district_id order by d.ref_year) as previous_year,
        lag(d.employees) over (partition by d.district_id order by d.ref_year) as previous_employees,
        lag(d.lq) over (partition by d.district_id order by d.ref_year) as previous_lq
    from districts as d
),

main_division as (
    select * from {{ ref('int_district_main_division') }}
),

proximity as (
    select * from {{ ref('int_industry_proximity') }}
),

related_proximity as (
    select division_i, {{ percentile_linear('phi', rule('lifecycle_related_proximity_percentile')) }} as related_min_phi
    from proximity group by division_i
),

new_related as (
    -- Related divisions whose LQ in the district's region was below the specialisation floor the previous year
    -- (or absent) and is at or above it now (rule lifecycle_specialised_min_lq).
    select
        s.district_id,
        s.ref_year,
        count(*) filter (
            where now_cell.lq >= {{ rule('lifecycle_specialised_min_lq') }}
              and coalesce(before_cell.lq, 0) < {{ rule('lifecycle_specialised_min_lq') }}
        ) as new_related_industries
    from sequenced as s
    inner join main_division as m on m.district_id = s.district_id and m.ref_year = s.ref_year
    inner join proximity as p on p.division_i = m.isic4_division
    inner join related_proximity as mp on mp.division_i = p.division_i and p.phi >= mp.related_min_phi
    left join {{ ref('int_region_isic_division') }} as now_cell
        on now_cell.country = s.country and now_cell.ref_year = s.ref_year
        and now_cell.region_code = s.area_code and now_cell.isic4_division = p.division_j
    left join {{ ref('int_region_isic_division') }} as before_cell
        on before_cell.country = s.country and before_cell.ref_year = s.previous_year
        and before_cell.region_code = s.area_code and before_cell.isic4_division = p.division_j
    group by s.district_id, s.ref_year
),

births as (
    -- Units of the main industry founded after the previous year: in the district and nationally.
    select
        s.district_id,
        s.ref_year,
        count(u.founded_year) as units_with_founding_year,
        sum(case when r.region_code = s.area_code and u.founded_year > s.previous_year then 1 else 0 end)
            as district_births,
        sum(case when r.region_code = s.area_code then 1 else 0 end) as district_units,
        sum(case when u.founded_year > s.previous_year then 1 else 0 end) as national_births,
        count(*) as national_units
    from sequenced as s
    inner join units as u
        on u.country = s.country and u.ref_year = s.ref_year and u.industry_system = s.industry_system
        and u.class_code = s.main_industry_code
    inner join regions as r on r.country = u.country and r.area_code = u.area_code
    where s.previous_year is not null
    group by s.district_id, s.ref_year
)

select
    s.district_id,
    s.ref_year,
    s.country,
    s.employees,
    s.firms as units,
    s.lq,
    coalesce(z.has_size_star, false) as has_size_star,
    s.previous_year,
    -- Rounded to the published precision (6 decimals) before the life-cycle rules compare them, so that
    -- floating-point sums in another order give the same stages and the same published values.
    round(100 * (
        power(s.employees * 1.0 / s.previous_employees, 1.0 / (s.ref_year - s.previous_year))
        - power(n.national_employees * 1.0 / np.national_employees, 1.0 / (s.ref_year - s.previous_year))
    ), 6) as growth_vs_national_pp,
    case when b.units_with_founding_year > 0 then
        round({{ safe_divide(safe_divide('b.district_births', 'b.district_units'), safe_divide('b.national_births', 'b.national_units')) }}, 6)
    end as entry_ratio,
    round(s.lq - s.previous_lq, 6) as lq_change,
    case when s.previous_year is not null and md.isic4_division is not null
        then cast(coalesce(nr.new_related_industries, 0) as integer) end
        as new_related_industries
from sequenced as s
left join {{ ref('int_eco_stars') }} as z
    on z.country = s.country and z.ref_year = s.ref_year and z.region_code = s.area_code
    and z.industry_system = s.industry_system and z.industry_code = s.main_industry_code
left join national as n
    on n.country = s.country and n.ref_year = s.ref_year and n.industry_system = s.industry_system
    and n.industry_code = s.main_industry_code
left join national as np
    on np.country = s.country and np.ref_year = s.previous_year and np.industry_system = s.industry_system
    and np.industry_code = s.main_industry_code
left join births as b on b.district_id = s.district_id and b.ref_year = s.ref_year
left join main_division as md on md.district_id = s.district_id and md.ref_year = s.ref_year
left join new_related as nr on nr.district_id = s.district_id and nr.ref_year = s.ref_year
