-- The measures behind typology dimensions D2, D4, D6 and D7 (METHOD.md 2.1), one row per district
-- and year. NULL means the input is not loaded for the district's country and year; a loaded input
-- in which the district has nothing gives 0 (no patents, no institutions), not NULL.
--   D2 (a) supplier_lq: LQ of the industries supplying the main industry (int_district_io_suppliers:
--          input-output coefficient a_jm >= typology_d2_supplier_min_coefficient, the main industry's
--          own division excluded, latest table not after the reference year);
--      (b) machinery_lq: LQ of the machinery industry serving the main group (int_region_machinery_lq);
--      (c) kibs_lq: LQ of knowledge-intensive business services (seeds/kibs_codes);
--      (d) export_lq: exports per employee of the main industry against the national industry.
--   D4 innovation_ratio: patents + trademarks + designs per employee of the main industry, against
--      the national industry.
--   D6 skills_ratio: share of skilled workers (ISCO 2-3) in the main industry against the national
--      industry; where no skills are loaded, the wage premium (wage bill or payroll per worker).
--   D7 institutions serving the district (its region, the main industry or all industries).
with districts as (
    select * from {{ ref('int_districts') }}
),

regions as (
    select * from {{ ref('int_area_regions') }}
),

cells as (
    select country, ref_year, region_code, industry_system, industry_code, employees, payroll
    from {{ ref('int_region_industry_lq') }}
),

groups as (
    select * from {{ ref('int_industry_code_groups') }}
),

supplier_prefixes as (
    select district_id, ref_year, supplier_code as code_prefix from {{ ref('int_district_io_suppliers') }}
),

machinery as (
    -- The LQ of the machinery serving the district's own group (int_region_machinery_lq).
    select d.district_id, d.ref_year, m.machinery_lq
    from districts as d
    inner join groups as g on g.industry_system = d.industry_system and g.industry_code = d.main_industry_code
    inner join {{ ref('int_region_machinery_lq') }} as m
        on m.country = d.country and m.ref_year = d.ref_year and m.region_code = d.area_code
        and m.industry_system = d.industry_system and m.group_code = g.group_code
),

machinery_defined as (
    select distinct d.district_id, d.ref_year
    from districts as d
    inner join groups as g on g.industry_system = d.industry_system and g.industry_code = d.main_industry_code
    inner join {{ ref('machinery_for_groups') }} as m
        on m.group_code = g.group_code and m.industry_system = d.industry_system
),

kibs_prefixes as (
    select d.district_id, d.ref_year, k.code_prefix
    from districts as d
    inner join {{ ref('kibs_codes') }} as k on k.industry_system = d.industry_system
),

code_sets as (
    select district_id, ref_year, 'suppliers' as code_set, code_prefix from supplier_prefixes
    union all
    select district_id, ref_year, 'kibs', code_prefix from kibs_prefixes
),

national_industry as (
    select country, ref_year, industry_system, industry_code,
           sum(employees) as employees, sum(payroll) as payroll,
           sum(case when payroll is not null then employees end) as employees_with_payroll
    from cells group by country, ref_year, industry_system, industry_code
),

totals as (
    select country, ref_year, industry_system, sum(employees) as national_employees
    from national_industry group by country, ref_year, industry_system
),

region_totals as (
    select country, ref_year, region_code, industry_system, sum(employees) as region_employees
    from cells group by country, ref_year, region_code, industry_system
),

set_codes as (
    -- The industry codes of each set (a code counts once even when several prefixes match it).
    select distinct s.district_id, s.ref_year, s.code_set, n.industry_code, n.employees
    from code_sets as s
    inner join districts as d on d.district_id = s.district_id and d.ref_year = s.ref_year
    inner join national_industry as n
        on n.country = d.country and n.ref_year = d.ref_year and n.industry_system = d.industry_system
        and starts_with(n.industry_code, s.code_prefix)
),

set_employment as (
    select
        s.district_id,
        s.ref_year,
        s.code_set,
        sum(coalesce(c.employees, 0)) as region_set_employees,
        sum(s.employees) as national_set_employees
    from set_codes as s
    inner join districts as d on d.district_id = s.district_id and d.ref_year = s.ref_year
    left join cells as c
        on c.country = d.country and c.ref_year = d.ref_year and c.region_code = d.area_code
        and c.industry_system = d.industry_system and c.industry_code = s.industry_code
    group by s.district_id, s.ref_year, s.code_set
),

set_lq as (
    select
        s.district_id,
        s.ref_year,
        s.code_set,
        {{ safe_divide(
            safe_divide('coalesce(e.region_set_employees, 0)', 'rt.region_employees'),
            safe_divide('e.national_set_employees', 't.national_employees')) }} as lq
    from (select distinct district_id, ref_year, code_set from code_sets) as s
    inner join districts as d on d.district_id = s.district_id and d.ref_year = s.ref_year
    left join set_employment as e
        on e.district_id = s.district_id and e.ref_year = s.ref_year and e.code_set = s.code_set
    left join totals as t
        on t.country = d.country and t.ref_year = d.ref_year and t.industry_system = d.industry_system
    left join region_totals as rt
        on rt.country = d.country and rt.ref_year = d.ref_year and rt.region_code = d.area_code
        and rt.industry_system = d.industry_system
),

innovation as (
    select i.*, coalesce(r.region_code, i.area_code) as region_code
    from {{ ref('stg_landing__innovation') }} as i
    left join regions as r on r.country = i.country and r.area_code = i.area_code
),

innovation_loaded as (
    select distinct country, ref_year, industry_system from innovation
),

innovation_ratio as (
    select
        d.district_id,
        d.ref_year,
        {{ safe_divide(
            safe_divide('sum(case when i.region_code = d.area_code then i.ip_rights else 0 end)', 'max(d.employees)'),
            safe_divide('sum(i.ip_rights)', 'max(n.employees)')) }} as innovation_ratio,
        sum(case when i.region_code = d.area_code then i.ip_rights else 0 end) as ip_rights
    from districts as d
    inner join innovation_loaded as l
        on l.country = d.country and l.ref_year = d.ref_year and l.industry_system = d.industry_system
    left join national_industry as n
        on n.country = d.country and n.ref_year = d.ref_year and n.industry_system = d.industry_system
        and n.industry_code = d.main_industry_code
    left join innovation as i
        on i.country = d.country and i.ref_year = d.ref_year and i.industry_system = d.industry_system
        and i.industry_code = d.main_industry_code
    group by d.district_id, d.ref_year
),

workforce as (
    select w.*, coalesce(r.region_code, w.area_code) as region_code
    from {{ ref('stg_landing__workforce') }} as w
    left join regions as r on r.country = w.country and r.area_code = w.area_code
),

workforce_ratio as (
    select
        d.district_id,
        d.ref_year,
        {{ safe_divide(
            safe_divide('sum(case when w.region_code = d.area_code then w.skilled_workers end)',
                        'sum(case when w.region_code = d.area_code and w.skilled_workers is not null then w.workers end)'),
            safe_divide('sum(w.skilled_workers)', 'sum(case when w.skilled_workers is not null then w.workers end)')) }}
            as skilled_share_ratio,
        {{ safe_divide(
            safe_divide('sum(case when w.region_code = d.area_code then w.wage_bill end)',
                        'sum(case when w.region_code = d.area_code and w.wage_bill is not null then w.workers end)'),
            safe_divide('sum(w.wage_bill)', 'sum(case when w.wage_bill is not null then w.workers end)')) }}
            as wage_ratio
    from districts as d
    inner join workforce as w
        on w.country = d.country and w.ref_year = d.ref_year and w.industry_system = d.industry_system
        and w.industry_code = d.main_industry_code
    group by d.district_id, d.ref_year
),

payroll_ratio as (
    -- Wage premium from the payroll of official statistics (e.g. County Business Patterns).
    select
        d.district_id,
        d.ref_year,
        {{ safe_divide(safe_divide('c.payroll', 'c.employees'), safe_divide('n.payroll', 'n.employees_with_payroll')) }}
            as payroll_ratio
    from districts as d
    inner join cells as c
        on c.country = d.country and c.ref_year = d.ref_year and c.region_code = d.area_code
        and c.industry_system = d.industry_system and c.industry_code = d.main_industry_code
    inner join national_industry as n
        on n.country = d.country and n.ref_year = d.ref_year and n.industry_system = d.industry_system
        and n.industry_code = d.main_industry_code
    where c.payroll is not null and c.employees > 0
),

institutions as (
    select i.*, coalesce(r.region_code, i.area_code) as region_code
    from {{ ref('stg_landing__institutions') }} as i
    left join regions as r on r.country = i.country and r.area_code = i.area_code
),

institutions_loaded as (
    select distinct country, ref_year from institutions
),

district_institutions as (
    select
        d.district_id,
        d.ref_year,
        count(i.institution_id) filter (where i.kind = 'association') as associations,
        count(i.institution_id) filter (where i.kind = 'service_centre') as service_centres,
        count(i.institution_id) filter (where i.kind = 'cluster_organisation') as cluster_organisations,
        count(i.institution_id) filter (where i.kind = 'cluster_organisation' and i.is_labelled)
            as labelled_cluster_organisations,
        count(i.institution_id) filter (where i.kind = 'international_network') as international_networks
    from districts as d
    inner join institutions_loaded as l on l.country = d.country and l.ref_year = d.ref_year
    left join institutions as i
        on i.country = d.country and i.ref_year = d.ref_year and i.region_code = d.area_code
        and (i.industry_code is null
             or (coalesce(i.industry_system, d.industry_system) = d.industry_system
                 and starts_with(d.main_industry_code, i.industry_code)))
    group by d.district_id, d.ref_year
),

final as (
    select
        d.district_id,
        d.ref_year,
        d.country,
        sup.lq as supplier_lq,
        exists (select 1 from supplier_prefixes as p where p.district_id = d.district_id and p.ref_year = d.ref_year)
            as has_supplier_definition,
        mach.machinery_lq,
        md.district_id is not null as has_machinery_definition,
        kibs.lq as kibs_lq,
        w.export_intensity_index as export_lq,
        i.innovation_ratio,
        i.ip_rights,
        coalesce(f.skilled_share_ratio, f.wage_ratio, pr.payroll_ratio) as skills_ratio,
        case
            when f.skilled_share_ratio is not null then 'skilled_share'
            when f.wage_ratio is not null then 'wage_premium'
            when pr.payroll_ratio is not null then 'payroll_wage_premium'
        end as skills_measure,
        inst.associations,
        inst.service_centres,
        inst.cluster_organisations,
        inst.labelled_cluster_organisations,
        inst.international_networks
    from districts as d
    left join set_lq as sup on sup.district_id = d.district_id and sup.ref_year = d.ref_year and sup.code_set = 'suppliers'
    left join machinery as mach on mach.district_id = d.district_id and mach.ref_year = d.ref_year
    left join machinery_defined as md on md.district_id = d.district_id and md.ref_year = d.ref_year
    left join set_lq as kibs on kibs.district_id = d.district_id and kibs.ref_year = d.ref_year and kibs.code_set = 'kibs'
    left join {{ ref('int_district_indicators_wide') }} as w on w.district_id = d.district_id and w.ref_year = d.ref_year
    left join innovation_ratio as i on i.district_id = d.district_id and i.ref_year = d.ref_year
    left join workforce_ratio as f on f.district_id = d.district_id and f.ref_year = d.ref_year
    left join payroll_ratio as pr on pr.district_id = d.district_id and pr.ref_year = d.ref_year
    left join district_institutions as inst on inst.district_id = d.district_id and inst.ref_year = d.ref_year
)

select * from final
