-- The active rule set, one row per parameter, with the value in effect: the loaded rule-set file's (var
-- rule_set names one where the file holds several), or the value of var rule_overrides ({parameter: value})
-- for a run, as the sensitivity report does. rule_set_version is the file's version plus the hash of the values
-- in effect, so a row computed with an override never carries the version of the file's values.
{%- set overrides = var('rule_overrides', {}) %}
{%- if execute and overrides %}
{%- set listed = run_query("select distinct parameter from " ~ ref('stg_reference__rule_parameters') ~ " where " ~ rule_set_filter()) %}
{%- set names = listed.columns[0].values() | list %}
{%- for name in overrides if name not in names %}
{{ exceptions.raise_compiler_error('rule_overrides names ' ~ name ~ ', which is not a parameter of the rule set; known: ' ~ names | sort | join(', ')) }}
{%- endfor %}
{%- endif %}
with loaded as (
    select rule_set, rule_set_version, parameter, value, unit, status, source
    from {{ ref('stg_reference__rule_parameters') }}
    where {{ rule_set_filter() }}
),

in_effect as (
    select
        rule_set,
        rule_set_version as file_version,
        parameter,
        {%- if overrides %}
        case parameter
            {%- for name, value in overrides.items() %}
            when '{{ name }}' then cast({{ value }} as double)
            {%- endfor %}
            else value
        end as value,
        {%- else %}
        value,
        {%- endif %}
        unit,
        status,
        source
    from loaded
)

select
    rule_set,
    -- The version, plus the first 12 hex digits of an MD5 of the parameter values in effect: every published
    -- row names the exact thresholds that produced it (pipelines/rules.py computes the same hash).
    file_version || '+' || substr(
        md5(string_agg(parameter || '=' || cast(value as varchar), ';' order by parameter) over ()), 1, 12
    ) as rule_set_version,
    parameter,
    value,
    unit,
    status,
    source
from in_effect
