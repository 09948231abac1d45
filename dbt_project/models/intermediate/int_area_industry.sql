-- Area x industry cells from both kinds of input: official statistics as published, and
-- registers aggregated (local units counted, employees summed). Registers are used for a
-- country, year and classification that has no statistics, so that no cell is counted twice.
-- Built per country x year partition (macros/partitions.sql).
-- depends_on: {{ ref('int_partition_inputs') }}
with statistics as (
    select
        country,
        ref_year,
        area_code,
        industry_system,
        industry_code,
        cast(sum(establishments) as bigint) as establishments,
        cast(sum(employees) as bigint) as employees,
        sum(payroll) as payroll,
        bool_or(employees = 0 and payroll > 0) as is_employment_withheld,
        false as is_estimate,
        bool_or(is_synthetic) as is_synthetic,
        'statistics' as cell_source
    from {{ ref('stg_landing__area_industry') }}
    where {{ in_partitions_to_build() }}
    group by country, ref_year, area_code, industry_system, industry_code
),

statistics_scope as (
    select distinct country, ref_year, industry_system from statistics
),

registers as (
    select
        u.country,
        u.ref_year,
        u.area_code,
        u.industry_system,
        u.class_code as industry_code,
        count(*) as establishments,
        cast(round(sum(u.employees)) as bigint) as employees,
        cast(null as double) as payroll,
        false as is_employment_withheld,
        bool_or(u.is_estimate) as is_estimate,
        bool_or(u.is_synthetic) as is_synthetic,
        'register' as cell_source
    from {{ ref('int_establishments_sized') }} as u
    where {{ in_partitions_to_build('u.country', 'u.ref_year') }}
    and not exists (
        select 1 from statistics_scope as s
        where s.country = u.country and s.ref_year = u.ref_year and s.industry_system = u.industry_system
    )
    group by u.country, u.ref_year, u.area_code, u.industry_system, u.class_code
)

select * from statistics
union all
select * from registers
