-- The deck's core district indicators (METHOD.md "Core district indicators"), one row per
-- district, reference year and indicator, each with its unit, an estimate flag and an SDMX
-- observation status (A normal, E estimated, L not available from the loaded inputs).
with wide as (
    select * from {{ ref('int_district_indicators_wide') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

long as (
    {#- (indicator, unit as a SQL expression, estimate flag). Units that name a size class are built from the
        rule set's bounds (macros/size_classes.sql), never written out here. -#}
    {%- set units_of = "'local units with ' || " ~ size_class_label("'{c}'") ~ " || ' persons employed'" %}
    {%- set employees_of = "'persons employed in local units with ' || " ~ size_class_label("'{c}'") ~ " || ' persons employed'" %}
    {%- set share_below = "'share of main-industry employment in local units with fewer than ' || cast(cast(r.{p} + 1 as bigint) as varchar) || ' persons employed'" %}
    {%- set indicators = [
        ('firms', "'local units'", 'false'),
        ('firms_all_industries', "'local units'", 'false'),
        ('employees', "'persons employed'", 'employment_is_estimate'),
        ('employees_all_industries', "'persons employed'", 'employment_is_estimate'),
        ('average_unit_size', "'persons employed per local unit'", 'employment_is_estimate'),
        ('lq', "'ratio'", 'employment_is_estimate'),
        ('sme_employment_share', share_below.replace('{p}', 'unit_medium_max_employees'), 'units_are_estimates'),
        ('small_employment_share', share_below.replace('{p}', 'unit_small_max_employees'), 'units_are_estimates'),
        ('micro_employment_share', share_below.replace('{p}', 'unit_micro_max_employees'), 'units_are_estimates'),
        ('units_micro', units_of.replace('{c}', 'micro'), 'units_are_estimates'),
        ('units_small', units_of.replace('{c}', 'small'), 'units_are_estimates'),
        ('units_medium', units_of.replace('{c}', 'medium'), 'units_are_estimates'),
        ('units_large', units_of.replace('{c}', 'large'), 'units_are_estimates'),
        ('employees_micro', employees_of.replace('{c}', 'micro'), 'units_are_estimates'),
        ('employees_small', employees_of.replace('{c}', 'small'), 'units_are_estimates'),
        ('employees_medium', employees_of.replace('{c}', 'medium'), 'units_are_estimates'),
        ('employees_large', employees_of.replace('{c}', 'large'), 'units_are_estimates'),
        ('export_share', "'share of turnover'", 'false'),
        ('exports_main_industry', "'national currency'", 'exports_are_estimates'),
        ('export_intensity_index', "'ratio to the national industry'", 'exports_are_estimates or employment_is_estimate'),
        ('population', "'persons'", 'false'),
        ('bank_branches_per_10k_inhabitants', "'branches per 10,000 inhabitants'", 'false'),
        ('bank_branches_per_1000_firms', "'branches per 1,000 local units'", 'false'),
        ('local_bank_share', "'share of branches'", 'false'),
    ] %}
    {%- for name, unit, estimate in indicators %}
    select
        district_id,
        ref_year,
        country,
        '{{ name }}' as indicator,
        round(cast({{ name }} as double), 6) as obs_value,
        {{ unit }} as unit,
        ({{ estimate }}) and {{ name }} is not null as is_estimate,
        is_synthetic
    from wide
    cross join rules as r
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

size_classes as (
    select * from {{ ref('int_district_component_status') }}
),

derived as (
    select * from {{ ref('int_district_derived_status') }}
),

totals as (
    select * from {{ ref('int_district_total_status') }}
),

statused as (
    -- A size-class cell's units and employees take its status; a share takes the status of the cells it would
    -- reveal (micro: the micro cell; small: micro or small; SME: the large cell, as 1 - large / total).
    select
        l.*,
        case l.indicator
            when 'units_micro' then c.micro when 'employees_micro' then c.micro
            when 'units_small' then c.small when 'employees_small' then c.small
            when 'units_medium' then c.medium when 'employees_medium' then c.medium
            when 'units_large' then c.large when 'employees_large' then c.large
            when 'micro_employment_share' then c.micro
            when 'small_employment_share' then case when c.micro <> 'F' then c.micro else c.small end
            when 'sme_employment_share' then c.large
            when 'export_share' then x.export_share_status
            when 'firms' then t.conf_status when 'employees' then t.conf_status
            when 'average_unit_size' then t.conf_status when 'lq' then t.conf_status
            else 'F'
        end as conf_status
    from long as l
    left join size_classes as c on c.district_id = l.district_id and c.ref_year = l.ref_year
    left join derived as x on x.district_id = l.district_id and x.ref_year = l.ref_year
    left join totals as t on t.district_id = l.district_id and t.ref_year = l.ref_year
)

select
    district_id,
    ref_year,
    country,
    indicator,
    case when coalesce(conf_status, 'F') = 'F' then obs_value end as obs_value,
    unit,
    is_estimate,
    case when obs_value is null then 'L' when is_estimate then 'E' else 'A' end as obs_status,
    is_synthetic,
    coalesce(conf_status, 'F') as conf_status
from statused
