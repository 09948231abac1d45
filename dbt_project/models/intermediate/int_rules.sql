-- The active rule set (var rule_set) as one row of typed parameters, with its version and hash. The var rule_overrides
-- ({parameter: value}) replaces values for a run, as the sensitivity report does; the hash covers the values in
-- effect, so a row computed with an override never carries the version of the seed's values.
{%- set overrides = var('rule_overrides', {}) %}
{%- set names = [
    'district_min_lq', 'district_min_establishments', 'district_min_employees',
    'district_min_national_share', 'size_firms_over_200', 'size_firms_over_600',
    'size_employees_under_5000', 'size_employees_over_20000', 'critical_mass_employees',
    'cluster_strong_lq_percentile', 'cluster_strong10_lq_percentile',
    'cluster_significant_lq_percentile', 'cluster_qualifying_lq_percentile',
    'cluster_strong_min_lq', 'cluster_min_employees_percentile',
    'cluster_min_establishments_percentile', 'sforzi_min_lq', 'sforzi_min_sme_share',
    'unit_micro_max_employees', 'unit_small_max_employees', 'unit_medium_max_employees',
    'typology_d1_firms_level2', 'typology_d1_firms_level3', 'typology_d1_employees_level2',
    'typology_d1_employees_level3', 'typology_d1_employees_level4', 'typology_size_star_percentile',
    'typology_d3_export_level2', 'typology_d3_export_level3', 'typology_d3_export_level4',
    'typology_d5_density_level2', 'typology_d5_density_level3', 'typology_d5_local_bank_level4',
    'typology_max_missing_dims', 'tier_leader_min_employees', 'tier_leader_top_share',
    'tier_primary_min_employees', 'hub_top1_share', 'hub_cr4_share', 'gap_machinery_lq_min',
    'gap_local_bank_share_min', 'lifecycle_agglomeration_max_employees',
    'lifecycle_agglomeration_max_units', 'lifecycle_developing_max_employees',
    'lifecycle_emerging_min_employees', 'lifecycle_emerging_min_units', 'lifecycle_emerging_min_lq',
    'lifecycle_mature_min_employees', 'lifecycle_mature_min_lq', 'lifecycle_growth_band_pp',
    'lifecycle_entry_ratio', 'lifecycle_renewal_min_new_industries', 'lifecycle_persistence_periods',
    'eco_focus_percentile', 'eco_specialisation_min_lq', 'overlay_marshallian_min_sme_share',
    'overlay_marshallian_max_hhi', 'overlay_mass_producer_min_share', 'cluster_route_min_stars',
    'typology_d2_supplier_min_coefficient', 'typology_d2_min_lq', 'typology_d2_export_lq_level4',
    'typology_d4_ratio_level2', 'typology_d4_ratio_level3', 'typology_d4_ratio_level4',
    'typology_d6_ratio_level2', 'typology_d6_ratio_level3', 'typology_d6_ratio_level4',
    'match_weight_m1', 'match_weight_m3', 'match_weight_m4', 'match_weight_m5', 'match_weight_m7',
    'match_weight_m6', 'match_strength_min_lq', 'match_proximity_min_rca', 'match_machinery_min_lq',
    'match_user_min_lq'
] %}
{%- for name in overrides if name not in names %}
{{ exceptions.raise_compiler_error('rule_overrides names ' ~ name ~ ', which is not a parameter of the rule set; known: ' ~ names | join(', ')) }}
{%- endfor %}
with seed as (
    select * from {{ ref('rule_parameters') }}
    where rule_set = '{{ var("rule_set") }}'
),

parameters as (
    select
        rule_set,
        rule_set_version,
        parameter,
        {%- if overrides %}
        case parameter
            {%- for name, value in overrides.items() %}
            when '{{ name }}' then cast({{ value }} as double)
            {%- endfor %}
            else value
        end as value
        {%- else %}
        value
        {%- endif %}
    from seed
),

pivoted as (
    select
        max(rule_set) as rule_set,
        -- The version, plus the first 12 hex digits of an MD5 of the rule set's parameter values:
        -- every published row names the exact thresholds that produced it.
        max(rule_set_version) || '+' || substr(
            md5(string_agg(parameter || '=' || cast(value as varchar), ';' order by parameter)), 1, 12
        ) as rule_set_version,
        {%- for p in names %}
        max(case when parameter = '{{ p }}' then value end) as {{ p }}{{ "," if not loop.last }}
        {%- endfor %}
    from parameters
)

select * from pivoted
