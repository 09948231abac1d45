-- The active rule set (the one loaded from the run's rule-set file; var rule_set names one where the file
-- holds several) as one row of typed parameters, with its version and hash. The var rule_overrides
-- ({parameter: value}) replaces values for a run, as the sensitivity report does; the hash covers the values in
-- effect, so a row computed with an override never carries the version of the seed's values.
{%- set overrides = var('rule_overrides', {}) %}
{#- The parameter names come from the loaded rule set itself (read when dbt executes; parsing needs none). -#}
{%- set names = [] %}
{%- if execute %}
{%- set listed = run_query("select distinct parameter from " ~ source('reference', 'rule_parameters') ~ " where " ~ rule_set_filter() ~ " order by 1") %}
{%- set names = listed.columns[0].values() | list %}
{%- if names | length == 0 %}
{{ exceptions.raise_compiler_error("no rule set " ~ var('rule_set') ~ " in reference.rule_parameters: load a rule-set file (crosscluster refresh --rule-set FILE) or set var rule_set") }}
{%- endif %}
{%- endif %}
{%- for name in overrides if execute and name not in names %}
{{ exceptions.raise_compiler_error('rule_overrides names ' ~ name ~ ', which is not a parameter of the rule set; known: ' ~ names | join(', ')) }}
{%- endfor %}
with seed as (
    select rule_set, rule_set_version, parameter, value
    from {{ source('reference', 'rule_parameters') }}
    where {{ rule_set_filter() }}
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
        max(case when parameter = '{{ p }}' then value end) as {{ p }},
        {%- endfor %}
        count(*) as parameters
    from parameters
)

select * from pivoted
