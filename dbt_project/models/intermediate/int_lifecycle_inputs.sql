-- Life-cycle inputs per district and year (METHOD.md 3): employees E, local units U, LQ, the
-- ECO size star, and against the previous loaded year of the same district: annualised
-- employment growth minus the national industry's (g, percentage points a year), the entry
-- rate of local units relative to the national industry's, and the change in LQ.
with districts as (
    select * from {{ ref('districts') }}
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
    100 * (
        power(s.employees * 1.0 / s.previous_employees, 1.0 / (s.ref_year - s.previous_year))
        - power(n.national_employees * 1.0 / np.national_employees, 1.0 / (s.ref_year - s.previous_year))
    ) as growth_vs_national_pp,
    case when b.units_with_founding_year > 0 then
        {{ safe_divide(safe_divide('b.district_births', 'b.district_units'), safe_divide('b.national_births', 'b.national_units')) }}
    end as entry_ratio,
    s.lq - s.previous_lq as lq_change,
    cast(null as integer) as new_related_industries
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
