-- Region capabilities that partner matching needs besides the ISIC division LQs, for the regions of
-- int_match_profiles, one row per region and item:
--   kind 'machinery': LQ of the machinery industry serving each ISTAT group (int_region_machinery_lq;
--       M5: machinery makers meet user industries);
--   kind 'export_share': the region's exports by ISIC division as shares of its exports (M4, M6);
--   kind 'import_share': the imports of the region's country by ISIC division as shares of its
--       imports, from the latest year not after the region's (M4).
-- Supplier divisions of each district's main industry are in int_match_suppliers.
with profiles as (
    select distinct country, ref_year, region_code, industry_system from {{ ref('int_match_profiles') }}
),

machinery as (
    select m.country, m.ref_year, m.region_code, 'machinery' as kind, m.group_code as item, m.machinery_lq as value
    from {{ ref('int_region_machinery_lq') }} as m
    inner join profiles as p
        on p.country = m.country and p.ref_year = m.ref_year and p.region_code = m.region_code
        and p.industry_system = m.industry_system
),

region_exports as (
    -- Exports of the region's areas by ISIC division (HS products arrive as ISIC4 classes).
    select
        x.country,
        x.ref_year,
        coalesce(a.region_code, x.area_code) as region_code,
        case when x.industry_system = 'ISIC4' then substr(x.industry_code, 1, 2) else b.isic4_division end
            as isic4_division,
        sum(x.export_value * case when x.industry_system = 'ISIC4' then 1.0 else b.weight end) as export_value
    from {{ ref('int_exports_by_industry') }} as x
    left join {{ ref('int_area_regions') }} as a on a.country = x.country and a.area_code = x.area_code
    left join {{ ref('int_industry_isic4') }} as b
        on b.industry_system = x.industry_system and b.industry_code = x.industry_code
    group by all
),

export_shares as (
    select
        e.country, e.ref_year, e.region_code, 'export_share' as kind, e.isic4_division as item,
        e.export_value / sum(e.export_value) over (partition by e.country, e.ref_year, e.region_code) as value
    from region_exports as e
    inner join (select distinct country, ref_year, region_code from profiles) as p
        on p.country = e.country and p.ref_year = e.ref_year and p.region_code = e.region_code
    where e.isic4_division is not null and e.export_value > 0
),

country_imports as (
    -- HS products spread over their ISIC classes (int_hs_isic4); industry codes through the ISIC bridge.
    select
        i.country,
        i.ref_year,
        coalesce(substr(h.isic4_code, 1, 2), b.isic4_division) as isic4_division,
        sum(i.import_value * coalesce(h.weight, b.weight)) as import_value
    from {{ ref('stg_landing__imports') }} as i
    left join {{ ref('int_hs_isic4') }} as h on i.product_system = 'HS' and h.hs_code = i.product_code
    left join {{ ref('int_industry_isic4') }} as b
        on i.product_system <> 'HS' and b.industry_system = i.product_system and b.industry_code = i.product_code
    group by all
),

import_years as (
    select p.country, p.ref_year, max(c.ref_year) as import_year
    from (select distinct country, ref_year from profiles) as p
    inner join country_imports as c on c.country = p.country and c.ref_year <= p.ref_year
    group by p.country, p.ref_year
),

import_shares as (
    select
        p.country, p.ref_year, p.region_code, 'import_share' as kind, c.isic4_division as item,
        c.import_value / sum(c.import_value) over (partition by p.country, p.ref_year, p.region_code) as value
    from (select distinct country, ref_year, region_code from profiles) as p
    inner join import_years as y on y.country = p.country and y.ref_year = p.ref_year
    inner join country_imports as c on c.country = y.country and c.ref_year = y.import_year
    where c.isic4_division is not null and c.import_value > 0
)

select * from machinery
union all
select * from export_shares
union all
select * from import_shares
