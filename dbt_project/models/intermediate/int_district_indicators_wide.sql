-- The deck's core district indicators (METHOD.md "Core district indicators"), one row per
-- district and year with one column per indicator. marts.district_indicators publishes them
-- long (with units and statuses); the typology and the gaps read them from here.
with districts as (
    select * from {{ ref('int_districts') }}
),

regions as (
    select * from {{ ref('int_area_regions') }}
),

units as (
    -- Register units placed in the districts' regions.
    select u.*, r.region_code
    from {{ ref('int_establishments_sized') }} as u
    inner join regions as r on u.country = r.country and u.area_code = r.area_code
),

main_units as (
    select
        d.district_id,
        d.ref_year,
        count(*) as units,
        sum(u.employees) as employees,
        sum(case when u.size_class <> 'large' then u.employees else 0 end) as sme_employees,
        sum(case when u.size_class in ('micro', 'small') then u.employees else 0 end) as small_employees,
        sum(case when u.size_class = 'micro' then u.employees else 0 end) as micro_employees,
        sum(case when u.size_class = 'micro' then 1 else 0 end) as units_micro,
        sum(case when u.size_class = 'small' then 1 else 0 end) as units_small,
        sum(case when u.size_class = 'medium' then 1 else 0 end) as units_medium,
        sum(case when u.size_class = 'large' then 1 else 0 end) as units_large,
        sum(case when u.size_class = 'micro' then u.employees else 0 end) as employees_micro,
        sum(case when u.size_class = 'small' then u.employees else 0 end) as employees_small,
        sum(case when u.size_class = 'medium' then u.employees else 0 end) as employees_medium,
        sum(case when u.size_class = 'large' then u.employees else 0 end) as employees_large,
        sum(u.turnover) as turnover,
        sum(u.export_turnover) as export_turnover,
        count(u.turnover) as units_with_turnover,
        bool_or(u.is_estimate) as is_estimate
    from districts as d
    inner join units as u
        on u.country = d.country and u.ref_year = d.ref_year and u.region_code = d.area_code
        and u.industry_system = d.industry_system and u.class_code = d.main_industry_code
    group by d.district_id, d.ref_year
),

region_totals as (
    select country, ref_year, region_code, industry_system,
           sum(establishments) as firms_all, sum(employees) as employees_all
    from {{ ref('int_region_industry_lq') }}
    group by country, ref_year, region_code, industry_system
),

population_years as (
    -- The population of the latest year not after the reference year (int_input_years).
    select d.district_id, d.ref_year, y.input_year as population_year
    from districts as d
    inner join {{ ref('int_input_years') }} as y
        on y.country = d.country and y.ref_year = d.ref_year and y.input = 'population'
),

population as (
    select y.district_id, y.ref_year, sum(p.population) as population
    from population_years as y
    inner join districts as d on d.district_id = y.district_id and d.ref_year = y.ref_year
    inner join regions as r on r.country = d.country and r.region_code = d.area_code
    inner join {{ ref('stg_landing__population') }} as p
        on p.country = d.country and p.area_code = r.area_code and p.ref_year = y.population_year
    group by y.district_id, y.ref_year
),

bank_years as (
    select d.district_id, d.ref_year, y.input_year as bank_year
    from districts as d
    inner join {{ ref('int_input_years') }} as y
        on y.country = d.country and y.ref_year = d.ref_year and y.input = 'bank_branches'
),

banks as (
    select
        y.district_id,
        y.ref_year,
        sum(b.branches) as branches,
        sum(b.local_bank_branches) as local_bank_branches,
        count(b.local_bank_branches) as areas_with_local_banks
    from bank_years as y
    inner join districts as d on d.district_id = y.district_id and d.ref_year = y.ref_year
    inner join regions as r on r.country = d.country and r.region_code = d.area_code
    inner join {{ ref('stg_landing__bank_branches') }} as b
        on b.country = d.country and b.area_code = r.area_code and b.ref_year = y.bank_year
    group by y.district_id, y.ref_year
),

exports as (
    select * from {{ ref('int_exports_by_industry') }}
),

district_exports as (
    -- Exports of the district's region in its main industry: same classification, or through
    -- ISIC Rev.4 (HS products -> ISIC classes; main industry -> its primary ISIC class).
    select d.district_id, d.ref_year, sum(x.export_value) as exports, bool_or(x.is_estimate) as is_estimate
    from districts as d
    inner join regions as r on r.country = d.country and r.region_code = d.area_code
    inner join exports as x
        on x.country = d.country and x.ref_year = d.ref_year and x.area_code = r.area_code
        and ((x.industry_system = d.industry_system and x.industry_code = d.main_industry_code)
             or (x.industry_system = 'ISIC4' and x.industry_code = d.main_isic4_code
                 and d.industry_system <> 'ISIC4' and x.product_system = 'HS'))
    group by d.district_id, d.ref_year
),

national_exports as (
    select d.district_id, d.ref_year, sum(x.export_value) as exports
    from districts as d
    inner join exports as x
        on x.country = d.country and x.ref_year = d.ref_year
        and ((x.industry_system = d.industry_system and x.industry_code = d.main_industry_code)
             or (x.industry_system = 'ISIC4' and x.industry_code = d.main_isic4_code
                 and d.industry_system <> 'ISIC4' and x.product_system = 'HS'))
    group by d.district_id, d.ref_year
),

national_employment as (
    select d.district_id, d.ref_year, l.industry_employees
    from districts as d
    inner join (
        select distinct country, ref_year, industry_system, industry_code, industry_employees
        from {{ ref('int_region_industry_lq') }}
    ) as l
        on l.country = d.country and l.ref_year = d.ref_year
        and l.industry_system = d.industry_system and l.industry_code = d.main_industry_code
),

wide as (
    select
        d.district_id,
        d.ref_year,
        d.country,
        d.is_synthetic,
        d.is_estimate as employment_is_estimate,
        cast(d.firms as double) as firms,
        cast(t.firms_all as double) as firms_all_industries,
        cast(d.employees as double) as employees,
        cast(t.employees_all as double) as employees_all_industries,
        {{ safe_divide('d.employees', 'd.firms') }} as average_unit_size,
        d.lq,
        {{ safe_divide('m.sme_employees', 'm.employees') }} as sme_employment_share,
        {{ safe_divide('m.small_employees', 'm.employees') }} as small_employment_share,
        {{ safe_divide('m.micro_employees', 'm.employees') }} as micro_employment_share,
        cast(m.units_micro as double) as units_micro,
        cast(m.units_small as double) as units_small,
        cast(m.units_medium as double) as units_medium,
        cast(m.units_large as double) as units_large,
        m.employees_micro,
        m.employees_small,
        m.employees_medium,
        m.employees_large,
        coalesce(m.is_estimate, false) as units_are_estimates,
        case when m.units_with_turnover > 0 then {{ safe_divide('m.export_turnover', 'm.turnover') }} end
            as export_share,
        x.exports as exports_main_industry,
        coalesce(x.is_estimate, false) as exports_are_estimates,
        {{ safe_divide(safe_divide('x.exports', 'd.employees'), safe_divide('nx.exports', 'ne.industry_employees')) }}
            as export_intensity_index,
        cast(p.population as double) as population,
        {{ safe_divide('b.branches * 10000', 'p.population') }} as bank_branches_per_10k_inhabitants,
        {{ safe_divide('b.branches * 1000', 't.firms_all') }} as bank_branches_per_1000_firms,
        case when b.areas_with_local_banks > 0 then {{ safe_divide('b.local_bank_branches', 'b.branches') }} end
            as local_bank_share
    from districts as d
    left join main_units as m on m.district_id = d.district_id and m.ref_year = d.ref_year
    left join region_totals as t
        on t.country = d.country and t.ref_year = d.ref_year and t.region_code = d.area_code
        and t.industry_system = d.industry_system
    left join district_exports as x on x.district_id = d.district_id and x.ref_year = d.ref_year
    left join national_exports as nx on nx.district_id = d.district_id and nx.ref_year = d.ref_year
    left join national_employment as ne on ne.district_id = d.district_id and ne.ref_year = d.ref_year
    left join population as p on p.district_id = d.district_id and p.ref_year = d.ref_year
    left join banks as b on b.district_id = d.district_id and b.ref_year = d.ref_year
)

select * from wide
