-- Typology D6, skills (METHOD.md 2.1), one row per district and year where a measure exists: the share of
-- skilled workers (ISCO 2-3) in the main industry against the national industry; where no skills are
-- loaded, the wage premium (wage bill per worker, or the payroll of official statistics per employee).
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

national_industry as (
    select * from {{ ref('int_national_industry') }}
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
)

select
    d.district_id,
    d.ref_year,
    coalesce(f.skilled_share_ratio, f.wage_ratio, pr.payroll_ratio) as skills_ratio,
    case
        when f.skilled_share_ratio is not null then 'skilled_share'
        when f.wage_ratio is not null then 'wage_premium'
        when pr.payroll_ratio is not null then 'payroll_wage_premium'
    end as skills_measure
from districts as d
left join workforce_ratio as f on f.district_id = d.district_id and f.ref_year = d.ref_year
left join payroll_ratio as pr on pr.district_id = d.district_id and pr.ref_year = d.ref_year
where coalesce(f.skilled_share_ratio, f.wage_ratio, pr.payroll_ratio) is not null
