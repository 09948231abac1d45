-- Area x industry location quotients (macro location_quotients; METHOD.md I1, I2, I8). Built per country x year
-- partition (macros/partitions.sql): a cell's LQ needs only its country and year's totals.
-- depends_on: {{ ref('int_partition_inputs') }}
with cells as (
    select
        country,
        ref_year,
        area_code as region_code,
        industry_system,
        industry_code,
        establishments,
        employees,
        payroll,
        is_employment_withheld,
        is_estimate,
        is_synthetic
    from {{ ref('int_area_industry') }}
    where {{ in_partitions_to_build() }}
),

{{ location_quotients('cells') }}

select
    country,
    ref_year,
    region_code as area_code,
    industry_system,
    industry_code,
    establishments,
    employees,
    payroll,
    is_employment_withheld,
    is_estimate,
    is_synthetic,
    area_employees,
    industry_employees,
    economy_employees,
    lq_reference,
    lq,
    national_share,
    prevalence_index
from with_lq
