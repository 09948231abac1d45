{#- Linear-interpolated percentile (aggregate), as in the U.S. Cluster Mapping code.
    Engine-specific SQL goes through adapter.dispatch so the models stay portable. -#}
{% macro percentile_linear(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_linear', 'crosscluster')(expr, fraction)) }}
{%- endmacro %}

{% macro default__percentile_linear(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__percentile_linear(expr, fraction) -%}
    quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile_linear(expr, fraction) -%}
    percentile({{ expr }}, {{ fraction }})
{%- endmacro %}
