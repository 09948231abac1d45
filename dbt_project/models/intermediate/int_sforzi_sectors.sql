-- Region x macro-sector and region x ISTAT manufacturing group employment, with location
-- quotient and prevalence index against the country's loaded regions (Sforzi-ISTAT steps 2, 4).
with cells as (
    select c.*, g.macro_sector, g.group_code
    from {{ ref('int_region_industry_lq') }} as c
    left join {{ ref('int_industry_code_groups') }} as g
        on c.industry_system = g.industry_system and c.industry_code = g.industry_code
),

by_unit as (
    select country, ref_year, region_code, 'macro_sector' as unit_kind, coalesce(macro_sector, 'unclassified') as unit_code,
           sum(employees) as employees
    from cells
    group by country, ref_year, region_code, coalesce(macro_sector, 'unclassified')
    union all
    select country, ref_year, region_code, 'istat_group', group_code, sum(employees)
    from cells
    where group_code is not null
    group by country, ref_year, region_code, group_code
),

region_totals as (
    select country, ref_year, region_code, sum(employees) as region_employees
    from cells
    group by country, ref_year, region_code
),

unit_totals as (
    select country, ref_year, unit_kind, unit_code, sum(employees) as unit_employees
    from by_unit
    group by country, ref_year, unit_kind, unit_code
),

economy as (
    select country, ref_year, sum(region_employees) as economy_employees
    from region_totals
    group by country, ref_year
)

select
    b.country,
    b.ref_year,
    b.region_code,
    b.unit_kind,
    b.unit_code,
    b.employees,
    {{ safe_divide(safe_divide('b.employees', 'r.region_employees'),
                   safe_divide('u.unit_employees', 'e.economy_employees')) }} as lq,
    b.employees - r.region_employees * {{ safe_divide('u.unit_employees', 'e.economy_employees') }}
        as prevalence_index
from by_unit as b
inner join region_totals as r
    on b.country = r.country and b.ref_year = r.ref_year and b.region_code = r.region_code
inner join unit_totals as u
    on b.country = u.country and b.ref_year = u.ref_year and b.unit_kind = u.unit_kind and b.unit_code = u.unit_code
inner join economy as e on b.country = e.country and b.ref_year = e.ref_year
