-- The active rule set (var rule_set) as one row of typed parameters.
with parameters as (
    select * from {{ ref('rule_parameters') }}
    where rule_set = '{{ var("rule_set") }}'
),

pivoted as (
    select
        max(rule_set) as rule_set,
        max(rule_set_version) as rule_set_version,
        {%- for p in [
            'district_min_lq', 'district_min_establishments', 'district_min_employees',
            'district_min_national_share', 'size_firms_over_200', 'size_firms_over_600',
            'size_employees_under_5000', 'size_employees_over_20000', 'critical_mass_employees',
            'cluster_strong_lq_percentile', 'cluster_strong10_lq_percentile',
            'cluster_significant_lq_percentile', 'cluster_qualifying_lq_percentile',
            'cluster_strong_min_lq', 'cluster_min_employees_percentile',
            'cluster_min_establishments_percentile', 'sforzi_min_lq', 'sforzi_min_sme_share',
            'unit_micro_max_employees', 'unit_small_max_employees', 'unit_medium_max_employees'
        ] %}
        max(case when parameter = '{{ p }}' then value end) as {{ p }}{{ "," if not loop.last }}
        {%- endfor %}
    from parameters
)

select * from pivoted
