-- Region x ISIC Rev.4 division employment for every loaded country and year, the common industry
-- language of partner matching, with the location quotient (RCA) of each division against the
-- region's own nation (the loaded areas of its country and year).
with cells as (
    select * from {{ ref('int_region_industry_lq') }}
),

bridge as (
    select * from {{ ref('int_industry_isic4') }}
),

converted as (
    select
        c.country,
        c.ref_year,
        c.region_code,
        b.isic4_division,
        sum(c.employees * b.weight) as employees,
        bool_or(b.is_estimate or b.link_level = 'division') as is_estimate,
        bool_or(c.is_synthetic) as is_synthetic
    from cells as c
    inner join bridge as b on b.industry_system = c.industry_system and b.industry_code = c.industry_code
    group by c.country, c.ref_year, c.region_code, b.isic4_division
),

with_totals as (
    select
        *,
        sum(employees) over (partition by country, ref_year, region_code) as region_employees,
        sum(employees) over (partition by country, ref_year, isic4_division) as division_employees,
        sum(employees) over (partition by country, ref_year) as national_employees
    from converted
)

select
    country,
    ref_year,
    region_code,
    isic4_division,
    employees,
    {{ safe_divide(safe_divide('employees', 'region_employees'), safe_divide('division_employees', 'national_employees')) }}
        as lq,
    is_estimate,
    is_synthetic
from with_totals
where employees > 0
