{{ config(materialized="view") }}

-- A view: each consumer aggregates it in one pass, instead of copying millions of units.
-- Register units with an employee count (reported, or the band's conversion: is_estimate), a
-- size class of the local unit (micro, small, medium, large; bounds from the rule set) and the industry class code
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

-- Size classes of the local unit, bounds from the rule set (METHOD.md 0; macros/size_classes.sql).
select
    s.*,
    {{ size_class_of('s.employees') }} as size_class,
    {{ size_class_label(size_class_of('s.employees')) }} as size_class_label
from sized as s
cross join rules as r
