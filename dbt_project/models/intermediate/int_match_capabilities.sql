-- Region capabilities that partner matching needs besides the ISIC division LQs, for the regions of
-- int_match_profiles, one row per region and item:
--   kind 'machinery': LQ of the machinery industry serving each ISTAT group (seeds/machinery_for_groups),
--       in the region's own classification (M5: machinery makers meet user industries);
--   kind 'export_share': the region's exports by ISIC division as shares of its exports (M6).
-- Supplier divisions of each district's main industry are in int_match_suppliers.
with profiles as (
    select distinct country, ref_year, region_code, industry_system from {{ ref('int_match_profiles') }}
),

cells as (
    select * from {{ ref('int_region_industry_lq') }}
),

national_industry as (
    select country, ref_year, industry_system, industry_code, sum(employees) as employees
    from cells group by country, ref_year, industry_system, industry_code
),

national_totals as (
    select country, ref_year, industry_system, sum(employees) as employees
    from national_industry group by country, ref_year, industry_system
),

machinery_codes as (
    select distinct m.group_code, n.country, n.ref_year, n.industry_system, n.industry_code, n.employees
    from {{ ref('machinery_for_groups') }} as m
    inner join national_industry as n
        on n.industry_system = m.industry_system and starts_with(n.industry_code, m.code_prefix)
),

machinery_national as (
    select group_code, country, ref_year, industry_system, sum(employees) as employees
    from machinery_codes group by group_code, country, ref_year, industry_system
),

region_totals as (
    select c.country, c.ref_year, c.region_code, c.industry_system, sum(c.employees) as employees
    from cells as c
    inner join profiles as p
        on p.country = c.country and p.ref_year = c.ref_year and p.region_code = c.region_code
        and p.industry_system = c.industry_system
    group by c.country, c.ref_year, c.region_code, c.industry_system
),

machinery_region as (
    select p.country, p.ref_year, p.region_code, m.group_code, sum(coalesce(c.employees, 0)) as employees
    from profiles as p
    inner join machinery_codes as m
        on m.country = p.country and m.ref_year = p.ref_year and m.industry_system = p.industry_system
    left join cells as c
        on c.country = p.country and c.ref_year = p.ref_year and c.region_code = p.region_code
        and c.industry_system = p.industry_system and c.industry_code = m.industry_code
    group by p.country, p.ref_year, p.region_code, m.group_code
),

machinery as (
    select
        r.country, r.ref_year, r.region_code, 'machinery' as kind, r.group_code as item,
        {{ safe_divide(safe_divide('r.employees', 't.employees'), safe_divide('n.employees', 'nt.employees')) }} as value
    from machinery_region as r
    inner join profiles as p on p.country = r.country and p.ref_year = r.ref_year and p.region_code = r.region_code
    inner join region_totals as t
        on t.country = r.country and t.ref_year = r.ref_year and t.region_code = r.region_code
        and t.industry_system = p.industry_system
    inner join machinery_national as n
        on n.group_code = r.group_code and n.country = r.country and n.ref_year = r.ref_year
        and n.industry_system = p.industry_system
    inner join national_totals as nt
        on nt.country = r.country and nt.ref_year = r.ref_year and nt.industry_system = p.industry_system
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
)

select * from machinery
union all
select * from export_shares
