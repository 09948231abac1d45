{#- The value of one parameter of the active rule set, as a SQL literal. Used where SQL
    needs a constant (percentile fractions); models that only compare against thresholds
    join int_rules instead. Models calling it declare `-- depends_on: ref('rule_parameters')`. -#}
{% macro rule(parameter) -%}
    {%- set overrides = var('rule_overrides', {}) -%}
    {%- if parameter in overrides -%}
        {{ overrides[parameter] }}
    {%- elif execute -%}
        {%- set query -%}
            select value from {{ ref('rule_parameters') }}
            where rule_set = '{{ var("rule_set") }}' and parameter = '{{ parameter }}'
        {%- endset -%}
        {%- set result = run_query(query) -%}
        {%- if result.rows | length != 1 -%}
            {{ exceptions.raise_compiler_error("rule set " ~ var("rule_set") ~ " has no single parameter " ~ parameter ~ " in seeds/rule_parameters.csv") }}
        {%- endif -%}
        {{ result.rows[0][0] }}
    {%- else -%}
        null
    {%- endif -%}
{%- endmacro %}
