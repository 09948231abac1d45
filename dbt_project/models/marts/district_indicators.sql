-- The deck's core district indicators (METHOD.md "Core district indicators"), one row per
-- district, reference year and indicator, each with its unit, an estimate flag and an SDMX
-- observation status (A normal, E estimated, L not available from the loaded inputs).
with wide as (
    select * from {{ ref('int_district_indicators_wide') }}
),

long as (
    {%- set indicators = [
        ('firms', 'local units', 'false'),
        ('firms_all_industries', 'local units', 'false'),
        ('employees', 'persons employed', 'employment_is_estimate'),
        ('employees_all_industries', 'persons employed', 'employment_is_estimate'),
        ('average_unit_size', 'persons employed per local unit', 'employment_is_estimate'),
        ('lq', 'ratio', 'employment_is_estimate'),
        ('sme_employment_share', 'share of main-industry employment (units < 250)', 'units_are_estimates'),
        ('small_employment_share', 'share of main-industry employment (units < 50)', 'units_are_estimates'),
        ('micro_employment_share', 'share of main-industry employment (units < 10)', 'units_are_estimates'),
        ('units_0_9', 'local units', 'units_are_estimates'),
        ('units_10_49', 'local units', 'units_are_estimates'),
        ('units_50_249', 'local units', 'units_are_estimates'),
        ('units_250_plus', 'local units', 'units_are_estimates'),
        ('employees_0_9', 'persons employed', 'units_are_estimates'),
        ('employees_10_49', 'persons employed', 'units_are_estimates'),
        ('employees_50_249', 'persons employed', 'units_are_estimates'),
        ('employees_250_plus', 'persons employed', 'units_are_estimates'),
        ('export_share', 'share of turnover', 'false'),
        ('exports_main_industry', 'national currency', 'exports_are_estimates'),
        ('export_intensity_index', 'ratio to the national industry', 'exports_are_estimates or employment_is_estimate'),
        ('population', 'persons', 'false'),
        ('bank_branches_per_10k_inhabitants', 'branches per 10,000 inhabitants', 'false'),
        ('bank_branches_per_1000_firms', 'branches per 1,000 local units', 'false'),
        ('local_bank_share', 'share of branches', 'false'),
    ] %}
    {%- for name, unit, estimate in indicators %}
    select
        district_id,
        ref_year,
        country,
        '{{ name }}' as indicator,
        round(cast({{ name }} as double), 6) as obs_value,
        '{{ unit }}' as unit,
        ({{ estimate }}) and {{ name }} is not null as is_estimate,
        is_synthetic
    from wide
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    district_id,
    ref_year,
    country,
    indicator,
    obs_value,
    unit,
    is_estimate,
    case when obs_value is null then 'L' when is_estimate then 'E' else 'A' end as obs_status,
    is_synthetic
from long
