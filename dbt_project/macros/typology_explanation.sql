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
           'division': 'División del trabajo (D2) nivel ', 'supplier_lq': ': CL de los proveedores ',
           'innovation': 'Innovación (D4) nivel ', 'ip': ' veces la tasa nacional de patentes, marcas y diseños',
           'skills': 'Competencias (D6) nivel ', 'national': ' veces el nivel nacional',
           'institutions': 'Instituciones (D7) nivel ', 'associations': ' asociaciones, ', 'centres': ' centros de servicios',
           'next_PRIMORDIAL': 'Para ser EVOLUTIVO: D1 >= 2 ({F2} empresas y {E2} empleados) y D2 >= 2 (proveedores especializados).',
           'next_EVOLUTIVO': 'Para ser CONSOLIDADO: D1 >= 3 ({F3} empresas o {E3} empleados), D2 >= 3 y D3 >= 3 (exportaciones >= {X3} % de la facturación).',
           'next_CONSOLIDADO': 'Para ser REPOSICIONADO: D3 = 4 (exportaciones >= {X4} %) y D2 = 4 o D4 = 4.',
           'next_REPOSICIONADO': 'Es la clase más alta.'},
    'it': {'PRIMORDIAL': 'PRIMORDIALE', 'EVOLUTIVO': 'EVOLUTIVO', 'CONSOLIDADO': 'CONSOLIDATO',
           'REPOSICIONADO': 'RIPOSIZIONATO', 'low': 'affidabilità bassa, mancano i dati di ',
           'rule': 'classe dalla regola ordinata', 'median': 'classe = mediana dei livelli noti',
           'size': 'Dimensione (D1) livello ', 'firms': ' imprese, ', 'employees': ' addetti',
           'exports': 'Esportazioni (D3) livello ', 'of_turnover': ' % del fatturato',
           'banks': 'Banche (D5) livello ', 'density': ' volte la densità nazionale di sportelli',
           'division': 'Divisione del lavoro (D2) livello ', 'supplier_lq': ': QL dei fornitori ',
           'innovation': 'Innovazione (D4) livello ', 'ip': ' volte il tasso nazionale di brevetti, marchi e disegni',
           'skills': 'Competenze (D6) livello ', 'national': ' volte il livello nazionale',
           'institutions': 'Istituzioni (D7) livello ', 'associations': ' associazioni, ', 'centres': ' centri servizi',
           'next_PRIMORDIAL': 'Per diventare EVOLUTIVO: D1 >= 2 ({F2} imprese e {E2} addetti) e D2 >= 2 (fornitori specializzati).',
           'next_EVOLUTIVO': 'Per diventare CONSOLIDATO: D1 >= 3 ({F3} imprese o {E3} addetti), D2 >= 3 e D3 >= 3 (export >= {X3} % del fatturato).',
           'next_CONSOLIDADO': 'Per diventare RIPOSIZIONATO: D3 = 4 (export >= {X4} %) e D2 = 4 oppure D4 = 4.',
           'next_REPOSICIONADO': 'È la classe più alta.'},
    'en': {'PRIMORDIAL': 'PRIMORDIAL', 'EVOLUTIVO': 'EVOLVING', 'CONSOLIDADO': 'CONSOLIDATED',
           'REPOSICIONADO': 'REPOSITIONED', 'low': 'low confidence, no data for ',
           'rule': 'class from the ordered rule', 'median': 'class = median of the known levels',
           'size': 'Size (D1) level ', 'firms': ' firms, ', 'employees': ' employees',
           'exports': 'Exports (D3) level ', 'of_turnover': ' % of turnover',
           'banks': 'Banks (D5) level ', 'density': ' times the national branch density',
           'division': 'Division of labour (D2) level ', 'supplier_lq': ': supplier LQ ',
           'innovation': 'Innovation (D4) level ', 'ip': ' times the national rate of patents, trademarks and designs',
           'skills': 'Skills (D6) level ', 'national': ' times the national level',
           'institutions': 'Institutions (D7) level ', 'associations': ' associations, ', 'centres': ' service centres',
           'next_PRIMORDIAL': 'To become EVOLVING: D1 >= 2 ({F2} firms and {E2} employees) and D2 >= 2 (specialised suppliers).',
           'next_EVOLUTIVO': 'To become CONSOLIDATED: D1 >= 3 ({F3} firms or {E3} employees), D2 >= 3 and D3 >= 3 (exports >= {X3} % of turnover).',
           'next_CONSOLIDADO': 'To become REPOSITIONED: D3 = 4 (exports >= {X4} %) and D2 = 4 or D4 = 4.',
           'next_REPOSICIONADO': 'This is the highest class.'},
} -%}
{%- set w = words[lang] -%}
{#- Thresholds come from the rule set (columns of `a`), never from this text. -#}
{%- set numbers = {
    '{F2}': "cast(cast(a.typology_d1_firms_level2 as bigint) as varchar)",
    '{E2}': "cast(cast(a.typology_d1_employees_level2 as bigint) as varchar)",
    '{F3}': "cast(cast(a.typology_d1_firms_level3 as bigint) as varchar)",
    '{E3}': "cast(cast(a.typology_d1_employees_level3 as bigint) as varchar)",
    '{X3}': "cast(cast(round(a.typology_d3_export_level3 * 100) as bigint) as varchar)",
    '{X4}': "cast(cast(round(a.typology_d3_export_level4 * 100) as bigint) as varchar)",
} -%}
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
    || coalesce('{{ w["division"] }}' || cast(a.level_d2 as varchar) || '{{ w["supplier_lq"] }}'
                || cast(round(a.supplier_lq, 2) as varchar) || '. ', '')
    || coalesce('{{ w["exports"] }}' || cast(a.level_d3 as varchar) || ': '
                || cast(round(a.export_share * 100, 1) as varchar) || '{{ w["of_turnover"] }}' || '. ', '')
    || coalesce('{{ w["banks"] }}' || cast(a.level_d5 as varchar) || ': '
                || cast(round(a.bank_density_ratio, 2) as varchar) || '{{ w["density"] }}' || '. ', '')
    || coalesce('{{ w["innovation"] }}' || cast(a.level_d4 as varchar) || ': '
                || cast(round(a.innovation_ratio, 2) as varchar) || '{{ w["ip"] }}' || '. ', '')
    || coalesce('{{ w["skills"] }}' || cast(a.level_d6 as varchar) || ': '
                || cast(round(a.skills_ratio, 2) as varchar) || '{{ w["national"] }}' || '. ', '')
    || coalesce('{{ w["institutions"] }}' || cast(a.level_d7 as varchar) || ': '
                || cast(a.associations as varchar) || '{{ w["associations"] }}'
                || cast(a.service_centres as varchar) || '{{ w["centres"] }}' || '. ', '')
    || case a.typology_class
        {%- for c in ['PRIMORDIAL', 'EVOLUTIVO', 'CONSOLIDADO', 'REPOSICIONADO'] %}
        {%- set ns = namespace(text=w["next_" ~ c]) %}
        {%- for token, expr in numbers.items() %}{% set ns.text = ns.text | replace(token, "' || " ~ expr ~ " || '") %}{% endfor %}
        when '{{ c }}' then '{{ ns.text }}'
        {%- endfor %}
    end
)
{%- endmacro %}
