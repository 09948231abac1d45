-- The deck's Latin American deviation profile (METHOD.md 2.3), item by item for every district:
-- the measured value, the canonical-district benchmark and whether the gap holds. Items whose
-- inputs are not loaded (input-output links, patents, skills, associations, trust surveys) have
-- has_gap NULL and a note; nothing is guessed.
with districts as (
    select * from {{ ref('districts') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

groups as (
    select * from {{ ref('int_industry_code_groups') }}
),

cells as (
    select * from {{ ref('int_region_industry_lq') }}
),

machinery_codes as (
    -- Industry codes of the machinery serving each group, per classification.
    select distinct m.group_code, g.industry_system, g.industry_code
    from {{ ref('machinery_for_groups') }} as m
    inner join groups as g
        on g.industry_system = m.industry_system
        and substr(g.industry_code, 1, length(m.code_prefix)) = m.code_prefix
),

region_totals as (
    select country, ref_year, region_code, industry_system, sum(employees) as employees
    from cells group by country, ref_year, region_code, industry_system
),

national_totals as (
    select country, ref_year, industry_system, sum(employees) as employees
    from cells group by country, ref_year, industry_system
),

machinery as (
    select
        d.district_id,
        d.ref_year,
        {{ safe_divide(
            safe_divide('sum(case when c.region_code = d.area_code then c.employees else 0 end)', 'max(rt.employees)'),
            safe_divide('sum(c.employees)', 'max(nt.employees)')) }} as machinery_lq
    from districts as d
    inner join groups as g on g.industry_system = d.industry_system and g.industry_code = d.main_industry_code
    inner join machinery_codes as mc on mc.group_code = g.group_code and mc.industry_system = d.industry_system
    inner join cells as c
        on c.country = d.country and c.ref_year = d.ref_year and c.industry_system = d.industry_system
        and c.industry_code = mc.industry_code
    inner join region_totals as rt
        on rt.country = d.country and rt.ref_year = d.ref_year and rt.region_code = d.area_code
        and rt.industry_system = d.industry_system
    inner join national_totals as nt
        on nt.country = d.country and nt.ref_year = d.ref_year and nt.industry_system = d.industry_system
    group by d.district_id, d.ref_year
),

machinery_known as (
    -- Districts whose main group has a machinery industry defined for its classification.
    select distinct d.district_id, d.ref_year
    from districts as d
    inner join groups as g on g.industry_system = d.industry_system and g.industry_code = d.main_industry_code
    inner join {{ ref('machinery_for_groups') }} as m
        on m.group_code = g.group_code and m.industry_system = d.industry_system
),

typology as (
    select district_id, ref_year, level_d3 from {{ ref('district_typology') }}
),

indicators as (
    select district_id, ref_year, export_share, local_bank_share
    from {{ ref('int_district_indicators_wide') }}
),

items as (
    select
        d.district_id, d.ref_year, d.country, d.is_synthetic,
        k.district_id is not null as has_machinery_definition,
        m.machinery_lq,
        i.export_share, i.local_bank_share, t.level_d3,
        r.gap_machinery_lq_min, r.typology_d3_export_level3, r.gap_local_bank_share_min, r.rule_set_version
    from districts as d
    cross join rules as r
    left join machinery as m on m.district_id = d.district_id and m.ref_year = d.ref_year
    left join machinery_known as k on k.district_id = d.district_id and k.ref_year = d.ref_year
    left join indicators as i on i.district_id = d.district_id and i.ref_year = d.ref_year
    left join typology as t on t.district_id = d.district_id and t.ref_year = d.ref_year
),

long as (
    select district_id, ref_year, country, 1 as item_order, 'vertical_complementarity' as gap,
           cast(null as double) as measured_value, 1.0 as benchmark_value,
           'LQ of the upstream suppliers of the main industry' as measure,
           cast(null as boolean) as has_gap,
           'needs an input-output table (supplier industries of the main industry)' as note,
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
    select district_id, ref_year, country, 3, 'product_innovation', cast(null as double), cast(null as double),
           'patents, trademarks and designs per 1,000 employees against the national industry',
           cast(null as boolean), 'needs patent, trademark and design counts (D4)', is_synthetic, rule_set_version
    from items
    union all
    select district_id, ref_year, country, 4, 'skills', cast(null as double), cast(null as double),
           'share of technical and tertiary occupations against the national share',
           cast(null as boolean), 'needs occupations or wages (D6)', is_synthetic, rule_set_version
    from items
    union all
    select district_id, ref_year, country, 5, 'markets', round(export_share, 6), typology_d3_export_level3,
           'exports / turnover of the main industry',
           case when level_d3 is not null then level_d3 <= 2 end,
           case when level_d3 is null then 'no turnover in the inputs (D3)' else 'D3 level 2 or lower' end,
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
    select district_id, ref_year, country, 7, 'associations', cast(null as double), cast(null as double),
           'associations, service centres and cluster organisations', cast(null as boolean),
           'needs a registry of associations and service centres (D7)', is_synthetic, rule_set_version
    from items
    union all
    select district_id, ref_year, country, 8, 'trust', cast(null as double), cast(null as double),
           'trust and social capital', cast(null as boolean), 'needs a survey module', is_synthetic, rule_set_version
    from items
)

select
    district_id, ref_year, country, item_order, gap, measure, measured_value, benchmark_value, has_gap, note,
    is_synthetic, rule_set_version
from long
