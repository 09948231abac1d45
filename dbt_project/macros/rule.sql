{#- The value of one parameter of the active rule set, as a SQL literal. Used where SQL
    needs a constant (percentile fractions, a cut-off inside a lambda); models that only compare against
    thresholds join int_rules instead. Read from intermediate.int_rule_parameters (overrides applied), which
    the calling model therefore depends on. In a dbt unit test of such a model the values are those of the rule
    set in force (the built int_rule_parameters, which every unit test runs after), not a given input. -#}
{% macro rule(parameter) -%}
    {%- if execute and model.resource_type == 'unit_test' -%}
        {#- A unit test resolves ref() to its given inputs only: name the built model (layer intermediate). -#}
        {%- set relation = api.Relation.create(database=model.database, schema=generate_schema_name('intermediate', none),
                                               identifier='int_rule_parameters') -%}
    {%- else -%}
        {%- set relation = ref('int_rule_parameters') -%}
    {%- endif -%}
    {%- if execute -%}
        {%- set query -%}
            select value from {{ relation }} where parameter = '{{ parameter }}'
        {%- endset -%}
        {%- set result = run_query(query) -%}
        {%- if result.rows | length != 1 -%}
            {{ exceptions.raise_compiler_error("the rule set in force has no parameter " ~ parameter ~ " (see crosscluster rules show)") }}
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
