{#- The value of one parameter of the active rule set, as a SQL literal. Used where SQL
    needs a constant (percentile fractions); models that only compare against thresholds
    join int_rules instead. The rule set is a source (reference.rule_parameters), loaded before dbt runs. -#}
{% macro rule(parameter) -%}
    {%- set overrides = var('rule_overrides', {}) -%}
    {%- if parameter in overrides -%}
        {{ overrides[parameter] }}
    {%- elif execute -%}
        {%- set query -%}
            select value from {{ source('reference', 'rule_parameters') }}
            where {{ rule_set_filter() }} and parameter = '{{ parameter }}'
        {%- endset -%}
        {%- set result = run_query(query) -%}
        {%- if result.rows | length != 1 -%}
            {{ exceptions.raise_compiler_error("rule set " ~ var("rule_set") ~ " has no single parameter " ~ parameter ~ " in reference.rule_parameters (the rule-set file)") }}
        {%- endif -%}
        {{ result.rows[0][0] }}
    {%- else -%}
        null
    {%- endif -%}
{%- endmacro %}

{#- The rows of the active rule set in reference.rule_parameters: var rule_set when it names one, otherwise
    every row (the rule-set file of a run holds one rule set; pipelines/rules.py checks it). -#}
{% macro rule_set_filter() -%}
    {%- if var('rule_set', '') -%} rule_set = '{{ var("rule_set") }}' {%- else -%} true {%- endif -%}
{%- endmacro %}
