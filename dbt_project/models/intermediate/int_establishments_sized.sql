{{ config(materialized="view") }}

-- A view: each consumer aggregates it in one pass, instead of copying millions of units.
-- Register units with an employee count (reported, or the band's conversion: is_estimate), a
-- size class of the local unit (0-9, 10-49, 50-249, 250+) and the industry class code
-- (ATECO 13.20.00 -> 13.20; SCIAN and NAICS codes are classes already).
with units as (
    select * from {{ ref('stg_landing__establishments') }}
),

bands as (
    select * from {{ ref('stg_reference__employment_bands') }}
),

systems as (
    select * from {{ ref('industry_systems') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

sized as (
    select
        u.country,
        u.ref_year,
        u.unit_id,
        u.area_code,
        u.industry_system,
        substr(u.industry_code, 1, coalesce(s.class_code_length, length(u.industry_code))) as class_code,
        u.industry_code,
        coalesce(cast(u.employees as double), b.estimate_employees) as employees,
        u.employees is null as is_estimate,
        u.turnover,
        u.export_turnover,
        u.founded_year,
        u.is_synthetic
    from units as u
    left join bands as b on u.employees_band = b.band_text
    left join systems as s on u.industry_system = s.industry_system
)

-- Size classes of the local unit, bounds from the rule set (METHOD.md 0).
select
    s.*,
    case
        when s.employees <= r.unit_micro_max_employees then '0-9'
        when s.employees <= r.unit_small_max_employees then '10-49'
        when s.employees <= r.unit_medium_max_employees then '50-249'
        else '250+'
    end as size_class
from sized as s
cross join rules as r
