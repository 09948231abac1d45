-- Cross-clustering partner matches (METHOD.md 5): one row per pair of a first-bloc (EU) and a
-- second-bloc (Latin American) district, with the components and score of int_partner_components, the
-- rank of each side among the other's partners, and the three largest positive contributions (each at least
-- the rule match_reason_min_contribution) as reasons in Spanish, Italian and English.
{%- set reasons = {
    'en': {
        'same_group': "'same value chain (' || f.main_group_name_en || ')'",
        'related': "'related industries (proximity ' || cast(round(c.phi, 2) as varchar) || ')'",
        'density': "'capabilities of ' || s.area_name || ' related to the strengths of ' || f.area_name || ' (relatedness density ' || cast(round(c.m3, 2) as varchar) || ')'",
        'machinery': "'machinery makers of ' || f.area_name || ' (LQ ' || cast(round(c.machinery_lq, 1) as varchar) || ') meet the users of ' || s.area_name",
        'suppliers': "'suppliers of the industry of ' || f.area_name || ' concentrated in ' || s.area_name || ' (LQ ' || cast(round(c.supplier_lq, 1) as varchar) || ')'",
        'same_division': "'same industry division (ISIC ' || c.first_isic4_division || ')'",
        'same_class': "'same industry (ISIC class ' || c.first_isic4_class || ')'",
        'types': "'complementary types (' || c.first_typology_class || ' with ' || c.second_typology_class || ')'",
        'exports': "'trade complementarity ' || cast(round(c.m4, 0) as varchar)",
    },
    'es': {
        'same_group': "'misma cadena de valor (' || f.main_group_name_es || ')'",
        'related': "'industrias relacionadas (proximidad ' || cast(round(c.phi, 2) as varchar) || ')'",
        'density': "'capacidades de ' || s.area_name || ' afines a las fortalezas de ' || f.area_name || ' (densidad de relación ' || cast(round(c.m3, 2) as varchar) || ')'",
        'machinery': "'los fabricantes de maquinaria de ' || f.area_name || ' (CL ' || cast(round(c.machinery_lq, 1) as varchar) || ') encuentran a los usuarios de ' || s.area_name",
        'suppliers': "'proveedores de la industria de ' || f.area_name || ' concentrados en ' || s.area_name || ' (CL ' || cast(round(c.supplier_lq, 1) as varchar) || ')'",
        'same_division': "'misma división industrial (CIIU ' || c.first_isic4_division || ')'",
        'same_class': "'misma industria (clase CIIU ' || c.first_isic4_class || ')'",
        'types': "'tipos complementarios (' || c.first_typology_class || ' con ' || c.second_typology_class || ')'",
        'exports': "'complementariedad comercial ' || cast(round(c.m4, 0) as varchar)",
    },
    'it': {
        'same_group': "'stessa filiera (' || f.main_group_name_it || ')'",
        'related': "'industrie correlate (prossimità ' || cast(round(c.phi, 2) as varchar) || ')'",
        'density': "'competenze di ' || s.area_name || ' affini ai punti di forza di ' || f.area_name || ' (densità di relazione ' || cast(round(c.m3, 2) as varchar) || ')'",
        'machinery': "'i produttori di macchinari di ' || f.area_name || ' (QL ' || cast(round(c.machinery_lq, 1) as varchar) || ') incontrano gli utilizzatori di ' || s.area_name",
        'suppliers': "'fornitori dell''industria di ' || f.area_name || ' concentrati in ' || s.area_name || ' (QL ' || cast(round(c.supplier_lq, 1) as varchar) || ')'",
        'same_division': "'stessa divisione industriale (ISIC ' || c.first_isic4_division || ')'",
        'same_class': "'stessa industria (classe ISIC ' || c.first_isic4_class || ')'",
        'types': "'tipi complementari (' || c.first_typology_class || ' con ' || c.second_typology_class || ')'",
        'exports': "'complementarità commerciale ' || cast(round(c.m4, 0) as varchar)",
    },
} %}

with components as (
    select * from {{ ref('int_partner_components') }}
),

ranked as (
    select
        first_district_id,
        second_district_id,
        -- Ranked on the published score (6 decimals), ties broken by the other district's id.
        row_number() over (partition by first_district_id order by round(score, 6) desc, second_district_id)
            as rank_for_first,
        row_number() over (partition by second_district_id order by round(score, 6) desc, first_district_id)
            as rank_for_second
    from components
),

profiles as (
    select * from {{ ref('int_match_profiles') }}
)

select
    c.first_district_id,
    c.second_district_id,
    c.first_country,
    c.second_country,
    c.first_ref_year,
    c.second_ref_year,
    f.district_name as first_district_name,
    s.district_name as second_district_name,
    c.first_isic4_class,
    c.second_isic4_class,
    c.first_typology_class,
    c.second_typology_class,
    round(c.m1, 6) as m1_same_value_chain,
    round(c.m3, 6) as m3_relatedness_density,
    round(c.m4, 6) as m4_trade_complementarity,
    c.m5 as m5_tier_complementarity,
    c.machinery_meets_users,
    c.final_firms_meet_suppliers,
    round(c.m6, 6) as m6_export_similarity,
    c.m7 as m7_type_complementarity,
    round(c.score, 6) as score,
    r.rank_for_first,
    r.rank_for_second,
    {%- for lang, t in reasons.items() %}
    {%- set items %}
        list_slice(list_filter(list_sort([
            {'c': c.c1, 'k': 'M1', 't': case when c.same_class then {{ t['same_class'] }}
                                           when c.same_group then {{ t['same_group'] }}
                                           when c.first_isic4_division = c.second_isic4_division
                                           then {{ t['same_division'] }} else {{ t['related'] }} end},
            {'c': c.c3, 'k': 'M3', 't': {{ t['density'] }}},
            {'c': c.c4, 'k': 'M4', 't': {{ t['exports'] }}},
            {'c': c.c5, 'k': 'M5', 't': case when c.machinery_meets_users then {{ t['machinery'] }}
                                           else {{ t['suppliers'] }} end},
            {'c': c.c7, 'k': 'M7', 't': {{ t['types'] }}}
        ], 'DESC'), lambda x: x.c >= {{ rule('match_reason_min_contribution') }}), 1, 3)
    {%- endset %}
    {%- if loop.first %}
    array_to_string(list_transform({{ items }}, lambda x: x.k), ',') as top_components,
    {%- endif %}
    array_to_string(list_transform({{ items }}, lambda x: x.t), '; ') as reason_{{ lang }},
    {%- endfor %}
    c.rule_set_version,
    c.is_synthetic,
    -- The score rests on both districts' typology (M7) and D2 / D3 measures: it inherits their statuses.
    {{ inherited_conf_status(["coalesce(f.typology_conf_status, 'F')", "coalesce(s.typology_conf_status, 'F')"]) }}
        as conf_status
from components as c
inner join ranked as r on r.first_district_id = c.first_district_id and r.second_district_id = c.second_district_id
inner join profiles as f on f.district_id = c.first_district_id
inner join profiles as s on s.district_id = c.second_district_id
