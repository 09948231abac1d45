-- The active rule set as one row, one typed column per parameter (int_rule_parameters pivoted), with its
-- version and hash. The parameter names come from the loaded rule set itself (read when dbt executes).
{%- set names = [] %}
{%- if execute %}
{%- set listed = run_query("select distinct parameter from " ~ ref('int_rule_parameters') ~ " order by 1") %}
{%- set names = listed.columns[0].values() | list %}
{%- if names | length == 0 %}
{{ exceptions.raise_compiler_error("no rule set " ~ var('rule_set') ~ " in reference.rule_parameters: load a rule-set file (crosscluster refresh --rule-set FILE) or set var rule_set") }}
{%- endif %}
{%- endif %}
with parameters as (
    select * from {{ ref('int_rule_parameters') }}
)

select
    max(rule_set) as rule_set,
    max(rule_set_version) as rule_set_version,
    {%- for p in names %}
    max(case when parameter = '{{ p }}' then value end) as {{ p }},
    {%- endfor %}
    count(*) as parameters
from parameters
