{#- Plain-language explanation of a district's class, in one language (es, it, en): the class,
    the confidence, the measured dimensions and what the next class requires (METHOD.md 2.2).
    Expects the columns of district_typology's with_agreement CTE as `a`. -#}
{% macro typology_explanation(lang) -%}
{%- set words = {
    'es': {'PRIMORDIAL': 'PRIMORDIAL', 'EVOLUTIVO': 'EVOLUTIVO', 'CONSOLIDADO': 'CONSOLIDADO',
           'REPOSICIONADO': 'REPOSICIONADO', 'low': 'confianza baja, sin datos en ',
           'rule': 'clase por la regla ordenada', 'median': 'clase = mediana de los niveles conocidos',
           'size': 'Tamaño (D1) nivel ', 'firms': ' empresas, ', 'employees': ' empleados',
           'exports': 'Exportaciones (D3) nivel ', 'of_turnover': ' % de la facturación',
           'banks': 'Bancos (D5) nivel ', 'density': ' veces la densidad nacional de sucursales',
           'next_PRIMORDIAL': 'Para ser EVOLUTIVO: D1 >= 2 (200 empresas y 5.000 empleados) y D2 >= 2 (proveedores especializados).',
           'next_EVOLUTIVO': 'Para ser CONSOLIDADO: D1 >= 3 (600 empresas o 15.000 empleados), D2 >= 3 y D3 >= 3 (exportaciones >= 10 % de la facturación).',
           'next_CONSOLIDADO': 'Para ser REPOSICIONADO: D3 = 4 (exportaciones >= 40 %) y D2 = 4 o D4 = 4.',
           'next_REPOSICIONADO': 'Es la clase más alta.'},
    'it': {'PRIMORDIAL': 'PRIMORDIALE', 'EVOLUTIVO': 'EVOLUTIVO', 'CONSOLIDADO': 'CONSOLIDATO',
           'REPOSICIONADO': 'RIPOSIZIONATO', 'low': 'affidabilità bassa, mancano i dati di ',
           'rule': 'classe dalla regola ordinata', 'median': 'classe = mediana dei livelli noti',
           'size': 'Dimensione (D1) livello ', 'firms': ' imprese, ', 'employees': ' addetti',
           'exports': 'Esportazioni (D3) livello ', 'of_turnover': ' % del fatturato',
           'banks': 'Banche (D5) livello ', 'density': ' volte la densità nazionale di sportelli',
           'next_PRIMORDIAL': 'Per diventare EVOLUTIVO: D1 >= 2 (200 imprese e 5.000 addetti) e D2 >= 2 (fornitori specializzati).',
           'next_EVOLUTIVO': 'Per diventare CONSOLIDATO: D1 >= 3 (600 imprese o 15.000 addetti), D2 >= 3 e D3 >= 3 (export >= 10 % del fatturato).',
           'next_CONSOLIDADO': 'Per diventare RIPOSIZIONATO: D3 = 4 (export >= 40 %) e D2 = 4 oppure D4 = 4.',
           'next_REPOSICIONADO': 'È la classe più alta.'},
    'en': {'PRIMORDIAL': 'PRIMORDIAL', 'EVOLUTIVO': 'EVOLVING', 'CONSOLIDADO': 'CONSOLIDATED',
           'REPOSICIONADO': 'REPOSITIONED', 'low': 'low confidence, no data for ',
           'rule': 'class from the ordered rule', 'median': 'class = median of the known levels',
           'size': 'Size (D1) level ', 'firms': ' firms, ', 'employees': ' employees',
           'exports': 'Exports (D3) level ', 'of_turnover': ' % of turnover',
           'banks': 'Banks (D5) level ', 'density': ' times the national branch density',
           'next_PRIMORDIAL': 'To become EVOLVING: D1 >= 2 (200 firms and 5,000 employees) and D2 >= 2 (specialised suppliers).',
           'next_EVOLUTIVO': 'To become CONSOLIDATED: D1 >= 3 (600 firms or 15,000 employees), D2 >= 3 and D3 >= 3 (exports >= 10 % of turnover).',
           'next_CONSOLIDADO': 'To become REPOSITIONED: D3 = 4 (exports >= 40 %) and D2 = 4 or D4 = 4.',
           'next_REPOSICIONADO': 'This is the highest class.'},
} -%}
{%- set w = words[lang] -%}
(
    case a.typology_class
        {%- for c in ['PRIMORDIAL', 'EVOLUTIVO', 'CONSOLIDADO', 'REPOSICIONADO'] %}
        when '{{ c }}' then '{{ w[c] }}'
        {%- endfor %}
    end
    || ' (' || case when a.low_confidence then '{{ w["low"] }}' || a.missing_dims || '; {{ w["median"] }}'
                    else '{{ w["rule"] }}' end || '). '
    || '{{ w["size"] }}' || cast(a.level_d1 as varchar) || ': ' || cast(a.firms as varchar) || '{{ w["firms"] }}'
    || cast(a.employees as varchar) || '{{ w["employees"] }}' || '. '
    || coalesce('{{ w["exports"] }}' || cast(a.level_d3 as varchar) || ': '
                || cast(round(a.export_share * 100, 1) as varchar) || '{{ w["of_turnover"] }}' || '. ', '')
    || coalesce('{{ w["banks"] }}' || cast(a.level_d5 as varchar) || ': '
                || cast(round(a.bank_density_ratio, 2) as varchar) || '{{ w["density"] }}' || '. ', '')
    || case a.typology_class
        {%- for c in ['PRIMORDIAL', 'EVOLUTIVO', 'CONSOLIDADO', 'REPOSICIONADO'] %}
        when '{{ c }}' then '{{ w["next_" ~ c] }}'
        {%- endfor %}
    end
)
{%- endmacro %}
