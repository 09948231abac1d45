-- The deck's Latin American deviation profile (METHOD.md 2.3), item by item for every district:
-- the measured value, the canonical-district benchmark and whether the gap holds. Items whose
-- inputs are not loaded for the district's country and year have has_gap NULL and a note that
-- names the missing input; nothing is guessed. Measures come from int_district_linkages and the
-- typology levels. A measured value computed from register units that the disclosure rules protect
-- (int_district_derived_status: supplier and machinery LQs, export share) is NULL; the item carries that status,
-- and its has_gap, derived from the value, is published with it.
with districts as (
    select * from {{ ref('int_districts') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

linkages as (
    select * from {{ ref('int_district_linkages') }}
),

typology as (
    select district_id, ref_year, level_d3, level_d4, level_d6, level_d7 from {{ ref('int_district_typology') }}
),

indicators as (
    select district_id, ref_year, export_share, local_bank_share
    from {{ ref('int_district_indicators_wide') }}
),

items as (
    select
        d.district_id, d.ref_year, d.country, d.is_synthetic,
        l.has_supplier_definition, l.supplier_lq, l.has_machinery_definition, l.machinery_lq,
        l.innovation_ratio, l.skills_ratio, l.skills_measure,
        l.associations + l.service_centres + l.cluster_organisations + l.international_networks as institutions,
        i.export_share, i.local_bank_share, t.level_d3, t.level_d4, t.level_d6, t.level_d7,
        r.typology_d2_min_lq, r.gap_machinery_lq_min, r.typology_d3_export_level3, r.gap_local_bank_share_min,
        r.typology_d4_ratio_level2, r.typology_d6_ratio_level2, r.gap_innovation_max_level, r.gap_skills_max_level,
        r.gap_markets_max_level, r.gap_associations_max_level, r.gap_associations_min_count, r.rule_set_version
    from districts as d
    cross join rules as r
    left join linkages as l on l.district_id = d.district_id and l.ref_year = d.ref_year
    left join indicators as i on i.district_id = d.district_id and i.ref_year = d.ref_year
    left join typology as t on t.district_id = d.district_id and t.ref_year = d.ref_year
),

long as (
    select district_id, ref_year, country, 1 as item_order, 'vertical_complementarity' as gap,
           round(supplier_lq, 6) as measured_value, typology_d2_min_lq as benchmark_value,
           'LQ of the upstream suppliers of the main industry' as measure,
           supplier_lq < typology_d2_min_lq as has_gap,
           case
               when not has_supplier_definition then 'needs an input-output table with the main industry as user (D2 a)'
               when supplier_lq is null then 'no employment in the supplier industries in the loaded data'
               else 'D2 (a)'
           end as note,
           is_synthetic, rule_set_version
    from items
    union all
    select district_id, ref_year, country, 2, 'learning_by_interacting',
           round(machinery_lq, 6), gap_machinery_lq_min,
           'LQ of the machinery industry serving the main industry',
           machinery_lq < gap_machinery_lq_min,
           case
               when not has_machinery_definition then 'no machinery industry defined for the main group'
               when machinery_lq is null then 'no employment in that machinery industry in the loaded data'
               else 'D2 (b)'
           end,
           is_synthetic, rule_set_version
    from items
    union all
    select district_id, ref_year, country, 3, 'product_innovation', round(innovation_ratio, 6), typology_d4_ratio_level2,
           'patents, trademarks and designs per employee against the national industry',
           case when level_d4 is not null then level_d4 <= gap_innovation_max_level end,
           case when level_d4 is null then 'needs patent, trademark and design counts (D4)'
                else 'D4 level ' || level_d4 || ' (a gap at level ' || cast(gap_innovation_max_level as integer) || ' or lower)' end,
           is_synthetic, rule_set_version
    from items
    union all
    select district_id, ref_year, country, 4, 'skills', round(skills_ratio, 6), typology_d6_ratio_level2,
           'share of technical and tertiary occupations (or the wage) against the national industry',
           case when level_d6 is not null then level_d6 <= gap_skills_max_level end,
           case when level_d6 is null then 'needs occupations or wages (D6)'
                else 'D6 level ' || level_d6 || ' (a gap at level ' || cast(gap_skills_max_level as integer)
                     || ' or lower), measured as ' || skills_measure end,
           is_synthetic, rule_set_version
    from items
    union all
    select district_id, ref_year, country, 5, 'markets', round(export_share, 6), typology_d3_export_level3,
           'exports / turnover of the main industry',
           case when level_d3 is not null then level_d3 <= gap_markets_max_level end,
           case when level_d3 is null then 'no turnover in the inputs (D3)'
                else 'D3 level ' || level_d3 || ' (a gap at level ' || cast(gap_markets_max_level as integer) || ' or lower)' end,
           is_synthetic, rule_set_version
    from items
    union all
    select district_id, ref_year, country, 6, 'credit', round(local_bank_share, 6), gap_local_bank_share_min,
           'branches of local banks / all branches',
           case when local_bank_share is not null then local_bank_share < gap_local_bank_share_min end,
           case when local_bank_share is null then 'no local-bank breakdown in the inputs' else 'centralised credit when close to 0' end,
           is_synthetic, rule_set_version
    from items
    union all
    select district_id, ref_year, country, 7, 'associations', cast(institutions as double), gap_associations_min_count,
           'associations, service centres, cluster organisations and networks serving the district',
           case when level_d7 is not null then level_d7 <= gap_associations_max_level end,
           case when level_d7 is null then 'needs a registry of associations and service centres (D7)'
                else 'D7 level ' || level_d7 || ' (a gap at level ' || cast(gap_associations_max_level as integer) || ' or lower)' end,
           is_synthetic, rule_set_version
    from items
    union all
    select district_id, ref_year, country, 8, 'trust', cast(null as double), cast(null as double),
           'trust and social capital', cast(null as boolean), 'needs a survey module', is_synthetic, rule_set_version
    from items
),

statused as (
    select
        g.*,
        case g.gap
            when 'vertical_complementarity' then x.supplier_lq_status
            when 'learning_by_interacting' then x.machinery_lq_status
            when 'markets' then x.export_share_status
            else 'F'
        end as conf_status
    from long as g
    left join {{ ref('int_district_derived_status') }} as x on x.district_id = g.district_id and x.ref_year = g.ref_year
)

select
    district_id, ref_year, country, item_order, gap, measure,
    case when conf_status = 'F' then measured_value end as measured_value,
    benchmark_value, has_gap, note, is_synthetic, rule_set_version, conf_status
from statused
