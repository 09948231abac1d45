-- First-version district identification (rule set district_v1): an area is a district when
-- it specialises in a manufacturing industry with LQ, establishment, employee and national
-- share thresholds from dbt_project/seeds/rule_parameters.csv. Its main industry is the
-- qualifying industry with the highest prevalence index (Sforzi-ISTAT step 4).
with cells as (
    select * from {{ ref('area_industry') }}
),

systems as (
    select * from {{ ref('industry_systems') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

qualifying as (
    select c.*
    from cells as c
    inner join systems as s on c.industry_system = s.industry_system
    cross join rules as r
    where substr(c.industry_code, 1, s.division_length) between s.manufacturing_from and s.manufacturing_to
      and c.lq >= r.district_min_lq
      and c.establishments >= r.district_min_establishments
      and c.employees >= r.district_min_employees
      and c.national_share >= r.district_min_national_share
),

ranked as (
    select
        *,
        row_number() over (
            partition by country, ref_year, area_code
            order by prevalence_index desc, industry_code
        ) as specialisation_rank,
        count(*) over (partition by country, ref_year, area_code) as specialisation_count
    from qualifying
),

final as (
    select
        m.country || '-' || m.area_code || '-' || m.industry_code as district_id,
        m.country,
        m.ref_year,
        m.area_code,
        m.area_name,
        m.area_name || ' - ' || coalesce(m.industry_name, m.industry_code) as district_name,
        m.industry_system,
        m.industry_code as main_industry_code,
        m.industry_name as main_industry_name,
        m.isic4_code as main_isic4_code,
        m.establishments as firms,
        m.employees,
        m.lq,
        m.national_share,
        m.prevalence_index,
        m.specialisation_count,
        m.establishments > r.size_firms_over_200 as over_200_firms,
        m.establishments > r.size_firms_over_600 as over_600_firms,
        m.employees < r.size_employees_under_5000 as under_5000_employees,
        m.employees > r.size_employees_over_20000 as over_20000_employees,
        m.employees >= r.critical_mass_employees as has_critical_mass,
        'lq_size_v1' as identification_method,
        m.lq_reference,
        r.rule_set,
        r.rule_set_version,
        m.is_synthetic
    from ranked as m
    cross join rules as r
    where m.specialisation_rank = 1
)

select * from final
