-- Region x industry cells and location quotients, on the geography districts are identified on
-- (labour-market areas where the country's setting and a map allow, areas otherwise).
with area_cells as (
    select * from {{ ref('int_area_industry') }}
),

regions as (
    select * from {{ ref('int_area_regions') }}
),

cells as (
    select
        c.country,
        c.ref_year,
        coalesce(r.region_code, c.area_code) as region_code,
        c.industry_system,
        c.industry_code,
        cast(sum(c.establishments) as bigint) as establishments,
        cast(sum(c.employees) as bigint) as employees,
        sum(c.payroll) as payroll,
        bool_or(c.is_employment_withheld) as is_employment_withheld,
        bool_or(c.is_estimate) as is_estimate,
        bool_or(c.is_synthetic) as is_synthetic
    from area_cells as c
    left join regions as r on c.country = r.country and c.area_code = r.area_code
    group by c.country, c.ref_year, coalesce(r.region_code, c.area_code), c.industry_system, c.industry_code
),

{{ location_quotients('cells') }}

select * from with_lq
