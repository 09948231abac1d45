{#- Size classes of the local unit (METHOD.md 0): micro, small, medium, large, with bounds from the rule set
    (unit_micro_max_employees, unit_small_max_employees, unit_medium_max_employees; `r` is int_rules). The
    code is stable; the label ("0-9", "10-49", "50-249", "250+" with the default rules) is built from the
    bounds, so that a moved bound moves the label too. -#}
{% macro size_class_of(employees, r='r') -%}
    case
        when {{ employees }} <= {{ r }}.unit_micro_max_employees then 'micro'
        when {{ employees }} <= {{ r }}.unit_small_max_employees then 'small'
        when {{ employees }} <= {{ r }}.unit_medium_max_employees then 'medium'
        else 'large'
    end
{%- endmacro %}

{% macro size_class_label(size_class, r='r') -%}
    case {{ size_class }}
        when 'micro' then '0-' || cast(cast({{ r }}.unit_micro_max_employees as bigint) as varchar)
        when 'small' then cast(cast({{ r }}.unit_micro_max_employees + 1 as bigint) as varchar) || '-'
            || cast(cast({{ r }}.unit_small_max_employees as bigint) as varchar)
        when 'medium' then cast(cast({{ r }}.unit_small_max_employees + 1 as bigint) as varchar) || '-'
            || cast(cast({{ r }}.unit_medium_max_employees as bigint) as varchar)
        when 'large' then cast(cast({{ r }}.unit_medium_max_employees + 1 as bigint) as varchar) || '+'
    end
{%- endmacro %}
