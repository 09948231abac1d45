{#- Plain-language explanation of a district's class, in one language (es, it, en): the class,
    the confidence, the measured dimensions and what the next class requires (METHOD.md 2.2).
    Expects the columns of int_district_typology's with_agreement CTE as `a` and its next_steps CTE as `n`.
    A quoted value the disclosure rules protect (the district's firms and employees, supplier LQ, export share)
    is replaced by the word "withheld" and its CONF_STATUS. -#}
{% macro typology_explanation(lang) -%}
{%- set words = typology_words() -%}
{%- set w = words[lang] -%}
{#- Thresholds come from the rule set (columns of `a`), never from this text. -#}
(
    case a.typology_class
        {%- for c in ['PRIMORDIAL', 'EVOLUTIVO', 'CONSOLIDADO', 'REPOSICIONADO'] %}
        when '{{ c }}' then '{{ w[c] }}'
        {%- endfor %}
    end
    || ' (' || case when a.low_confidence then '{{ w["low"] }}' || a.missing_dims || '; {{ w["median"] }}'
                    else '{{ w["rule"] }}' end || '). '
    || '{{ w["size"] }}' || cast(a.level_d1 as varchar) || ': '
    || case when a.total_status = 'F'
            then cast(a.firms as varchar) || '{{ w["firms"] }}' || cast(a.employees as varchar) || '{{ w["employees"] }}'
            else '{{ w["withheld"] }}' || a.total_status || ')' end
    || '. '
    || coalesce('{{ w["division"] }}' || cast(a.level_d2 as varchar) || '{{ w["supplier_lq"] }}'
                || case when a.supplier_lq_status = 'F' then cast(round(a.supplier_lq, 2) as varchar)
                        when a.supplier_lq is not null then '{{ w["withheld"] }}' || a.supplier_lq_status || ')' end
                || '. ', '')
    || coalesce('{{ w["exports"] }}' || cast(a.level_d3 as varchar) || ': '
                || case when a.export_share_status = 'F'
                        then cast(round(a.export_share * 100, 1) as varchar) || '{{ w["of_turnover"] }}'
                        when a.export_share is not null then '{{ w["withheld"] }}' || a.export_share_status || ')' end
                || '. ', '')
    || coalesce('{{ w["banks"] }}' || cast(a.level_d5 as varchar) || ': '
                || cast(round(a.bank_density_ratio, 2) as varchar) || '{{ w["density"] }}' || '. ', '')
    || coalesce('{{ w["innovation"] }}' || cast(a.level_d4 as varchar) || ': '
                || cast(round(a.innovation_ratio, 2) as varchar) || '{{ w["ip"] }}' || '. ', '')
    || coalesce('{{ w["skills"] }}' || cast(a.level_d6 as varchar) || ': '
                || cast(round(a.skills_ratio, 2) as varchar) || '{{ w["national"] }}' || '. ', '')
    || coalesce('{{ w["institutions"] }}' || cast(a.level_d7 as varchar) || ': '
                || cast(a.associations as varchar) || '{{ w["associations"] }}'
                || cast(a.service_centres as varchar) || '{{ w["centres"] }}' || '. ', '')
    || n.next_{{ lang }}
)
{%- endmacro %}

{#- The words of the explanations, by language (labels, not rules). -#}
{% macro typology_words() -%}
{%- set words = {
    'es': {'PRIMORDIAL': 'PRIMORDIAL', 'EVOLUTIVO': 'EVOLUTIVO', 'CONSOLIDADO': 'CONSOLIDADO',
           'REPOSICIONADO': 'REPOSICIONADO', 'low': 'confianza baja, sin datos en ',
           'rule': 'clase por la regla ordenada', 'median': 'clase = mediana de los niveles conocidos',
           'size': 'Tamaño (D1) nivel ', 'firms': ' empresas, ', 'employees': ' empleados',
           'withheld': 'reservado (CONF_STATUS ', 'exports': 'Exportaciones (D3) nivel ', 'of_turnover': ' % de la facturación',
           'banks': 'Bancos (D5) nivel ', 'density': ' veces la densidad nacional de sucursales',
           'division': 'División del trabajo (D2) nivel ', 'supplier_lq': ': CL de los proveedores ',
           'innovation': 'Innovación (D4) nivel ', 'ip': ' veces la tasa nacional de patentes, marcas y diseños',
           'skills': 'Competencias (D6) nivel ', 'national': ' veces el nivel nacional',
           'institutions': 'Instituciones (D7) nivel ', 'associations': ' asociaciones, ', 'centres': ' centros de servicios',
           'become': 'Para ser ', 'and': ' y ', 'or': '; o bien ', 'highest': 'Es la clase más alta.',
           'hint_D1_2': '({F2} empresas y {E2} empleados)', 'hint_D1_3': '({F3} empresas o {E3} empleados)',
           'hint_D2_2': '(proveedores especializados)', 'hint_D3_3': '(exportaciones >= {X3} % de la facturación)',
           'hint_D3_4': '(exportaciones >= {X4} %)'},
    'it': {'PRIMORDIAL': 'PRIMORDIALE', 'EVOLUTIVO': 'EVOLUTIVO', 'CONSOLIDADO': 'CONSOLIDATO',
           'REPOSICIONADO': 'RIPOSIZIONATO', 'low': 'affidabilità bassa, mancano i dati di ',
           'rule': 'classe dalla regola ordinata', 'median': 'classe = mediana dei livelli noti',
           'size': 'Dimensione (D1) livello ', 'firms': ' imprese, ', 'employees': ' addetti',
           'withheld': 'riservato (CONF_STATUS ', 'exports': 'Esportazioni (D3) livello ', 'of_turnover': ' % del fatturato',
           'banks': 'Banche (D5) livello ', 'density': ' volte la densità nazionale di sportelli',
           'division': 'Divisione del lavoro (D2) livello ', 'supplier_lq': ': QL dei fornitori ',
           'innovation': 'Innovazione (D4) livello ', 'ip': ' volte il tasso nazionale di brevetti, marchi e disegni',
           'skills': 'Competenze (D6) livello ', 'national': ' volte il livello nazionale',
           'institutions': 'Istituzioni (D7) livello ', 'associations': ' associazioni, ', 'centres': ' centri servizi',
           'become': 'Per diventare ', 'and': ' e ', 'or': '; oppure ', 'highest': 'È la classe più alta.',
           'hint_D1_2': '({F2} imprese e {E2} addetti)', 'hint_D1_3': '({F3} imprese o {E3} addetti)',
           'hint_D2_2': '(fornitori specializzati)', 'hint_D3_3': '(export >= {X3} % del fatturato)',
           'hint_D3_4': '(export >= {X4} %)'},
    'en': {'PRIMORDIAL': 'PRIMORDIAL', 'EVOLUTIVO': 'EVOLVING', 'CONSOLIDADO': 'CONSOLIDATED',
           'REPOSICIONADO': 'REPOSITIONED', 'low': 'low confidence, no data for ',
           'rule': 'class from the ordered rule', 'median': 'class = median of the known levels',
           'size': 'Size (D1) level ', 'firms': ' firms, ', 'employees': ' employees',
           'withheld': 'withheld (CONF_STATUS ', 'exports': 'Exports (D3) level ', 'of_turnover': ' % of turnover',
           'banks': 'Banks (D5) level ', 'density': ' times the national branch density',
           'division': 'Division of labour (D2) level ', 'supplier_lq': ': supplier LQ ',
           'innovation': 'Innovation (D4) level ', 'ip': ' times the national rate of patents, trademarks and designs',
           'skills': 'Skills (D6) level ', 'national': ' times the national level',
           'institutions': 'Institutions (D7) level ', 'associations': ' associations, ', 'centres': ' service centres',
           'become': 'To become ', 'and': ' and ', 'or': '; or ', 'highest': 'This is the highest class.',
           'hint_D1_2': '({F2} firms and {E2} employees)', 'hint_D1_3': '({F3} firms or {E3} employees)',
           'hint_D2_2': '(specialised suppliers)', 'hint_D3_3': '(exports >= {X3} % of turnover)',
           'hint_D3_4': '(exports >= {X4} %)'},
} -%}
{{ return(words) }}
{%- endmacro %}

{#- The thresholds the explanations quote, as SQL on the rule columns of `rel` (never written out here). -#}
{% macro typology_numbers(rel) -%}
{%- set numbers = {
    '{F2}': "cast(cast(" ~ rel ~ ".typology_d1_firms_level2 as bigint) as varchar)",
    '{E2}': "cast(cast(" ~ rel ~ ".typology_d1_employees_level2 as bigint) as varchar)",
    '{F3}': "cast(cast(" ~ rel ~ ".typology_d1_firms_level3 as bigint) as varchar)",
    '{E3}': "cast(cast(" ~ rel ~ ".typology_d1_employees_level3 as bigint) as varchar)",
    '{X3}': "cast(cast(round(" ~ rel ~ ".typology_d3_export_level3 * 100) as bigint) as varchar)",
    '{X4}': "cast(cast(round(" ~ rel ~ ".typology_d3_export_level4 * 100) as bigint) as varchar)",
} -%}
{{ return(numbers) }}
{%- endmacro %}

{#- One row per class with what the class above it requires, in es, it and en: the alternatives of the next class
    in seeds/typology_class_rules.csv, each as its conditions ("D1 >= 3 (... firms or ... employees)"), with the
    thresholds of the rule set (rules `r`). Expects CTEs class_rules and rules in scope. -#}
{% macro typology_next_steps() -%}
{%- set words = typology_words() -%}
{%- set numbers = typology_numbers('r') -%}
{%- set langs = ['es', 'it', 'en'] -%}
    select
        lower_class.typology_class,
        {%- for lang in langs %}
        {%- set w = words[lang] %}
        coalesce(
            '{{ w["become"] }}' || case upper_class.typology_class
                {%- for c in ['PRIMORDIAL', 'EVOLUTIVO', 'CONSOLIDADO', 'REPOSICIONADO'] %}
                when '{{ c }}' then '{{ w[c] }}'
                {%- endfor %}
                else upper_class.typology_class
            end || ': ' || upper_class.requires_{{ lang }} || '.',
            '{{ w["highest"] }}'
        ) as next_{{ lang }}{{ "," if not loop.last }}
        {%- endfor %}
    from (select distinct class_order, typology_class from class_rules) as lower_class
    left join (
        select
            class_order,
            typology_class,
            {%- for lang in langs %}
            string_agg(alternative_{{ lang }}, '{{ words[lang]["or"] }}' order by alternative) as requires_{{ lang }}{{ "," if not loop.last }}
            {%- endfor %}
        from (
            select
                c.class_order,
                c.typology_class,
                c.alternative,
                {%- for lang in langs %}
                {%- set w = words[lang] %}
                string_agg(
                    c.dimension || ' >= ' || cast(c.min_level as varchar) || coalesce(' ' || case
                        {%- for key, text in w.items() if key.startswith('hint_') %}
                        {%- set parts = key.split('_') %}
                        {%- set ns = namespace(text=text) %}
                        {%- for token, expr in numbers.items() %}{% set ns.text = ns.text | replace(token, "' || " ~ expr ~ " || '") %}{% endfor %}
                        when c.dimension = '{{ parts[1] }}' and c.min_level = {{ parts[2] }} then '{{ ns.text }}'
                        {%- endfor %}
                    end, ''),
                    '{{ w["and"] }}' order by c.dimension
                ) as alternative_{{ lang }}{{ "," if not loop.last }}
                {%- endfor %}
            from class_rules as c
            cross join rules as r
            where c.dimension is not null
            group by c.class_order, c.typology_class, c.alternative
        ) as alternatives
        group by class_order, typology_class
    ) as upper_class on upper_class.class_order = lower_class.class_order - 1
{%- endmacro %}
