-- depends_on: {{ ref('rule_parameters') }}
-- ECO size star (METHOD.md 1.3): a region is in the top 10 % of the regions with employment in
-- the same industry, by employees.
select
    country,
    ref_year,
    region_code,
    industry_system,
    industry_code,
    employees >= {{ percentile_linear('employees', rule('typology_size_star_percentile')) }}
        over (partition by country, ref_year, industry_system, industry_code) as has_size_star
from {{ ref('int_region_industry_lq') }}
where employees > 0
