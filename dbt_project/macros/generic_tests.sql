{#- Generic tests written here so the project needs no package download. -#}

{% test expression_is_true(model, expression, where=none) %}
select * from {{ model }}
where not ({{ expression }}){% if where %} and ({{ where }}){% endif %}
{% endtest %}

{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{% test between(model, column_name, min_value=none, max_value=none) %}
select * from {{ model }}
where {{ column_name }} is not null
  and ({% if min_value is not none %}{{ column_name }} < {{ min_value }}{% else %}false{% endif %}
       or {% if max_value is not none %}{{ column_name }} > {{ max_value }}{% else %}false{% endif %})
{% endtest %}

{#- An expression that must hold with the rule set in force: the columns of int_rules are available as
    r.<parameter>, so a test never restates a threshold (e.g. "has_critical_mass = (employees >=
    r.critical_mass_employees)"). -#}
{% test holds_under_rules(model, expression, where=none) %}
select m.* from {{ model }} as m
cross join {{ ref('int_rules') }} as r
where not ({{ expression }}){% if where %} and ({{ where }}){% endif %}
{% endtest %}
