{#- CONF_STATUS of a cell by the primary rules of the disclosure rule set (intermediate.int_disclosure_rules, aliased
    `rules_alias`): A fewer than min_units contributing units, O the largest unit above dominance_1_k % of the cell,
    T the two largest above dominance_2_k %, F free. `top_two` is the list of the two largest contributions,
    largest first (DuckDB max(x, 2)). pipelines/disclosure.py primary_status is the same rule in Python. -#}
{% macro conf_status(units, top_two, total, rules_alias='disclosure') -%}
case
    when {{ units }} < {{ rules_alias }}.min_units then 'A'
    when {{ total }} > 0 and {{ top_two }}[1] > {{ rules_alias }}.dominance_1_k / 100 * {{ total }} then 'O'
    when {{ total }} > 0 and {{ top_two }}[1] + coalesce({{ top_two }}[2], 0)
        > {{ rules_alias }}.dominance_2_k / 100 * {{ total }} then 'T'
    else 'F'
end
{%- endmacro %}

{#- The CONF_STATUS a value inherits from the statuses of the values it is computed from: F when all are free,
    otherwise the strongest reason among them (A small counts, then O and T dominance, D secondary, C withheld
    by the source). -#}
{% macro inherited_conf_status(statuses) -%}
case
    {%- for code in ['A', 'O', 'T', 'D', 'C'] %}
    when {% for s in statuses %}({{ s }}) = '{{ code }}'{{ " or " if not loop.last }}{% endfor %} then '{{ code }}'
    {%- endfor %}
    else 'F'
end
{%- endmacro %}

{#- The two largest contributions of a cell made of rows that each keep their own two largest (max(x, 2)):
    an aggregate over those rows. -#}
{% macro merged_top_two(top_two) -%}
list_slice(list_sort(flatten(list({{ top_two }})), 'DESC'), 1, 2)
{%- endmacro %}
