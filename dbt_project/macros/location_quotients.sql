{#- Location quotient, national share and prevalence index for the cells of `cells` (a CTE or
    relation with country, ref_year, region_code, industry_system, industry_code, establishments,
    employees, payroll, is_employment_withheld, is_estimate, is_synthetic). The reference economy is
    the nation where one is loaded for the country, year and system (intermediate.int_industry_totals:
    an office's national totals, or the sum over regions that cover the nation, such as the U.S.
    states), otherwise every region loaded for that country and year (lq_reference says which). -#}
{% macro location_quotients(cells) %}
area_totals as (
    select country, ref_year, industry_system, region_code, cast(sum(employees) as bigint) as area_employees
    from {{ cells }}
    group by country, ref_year, industry_system, region_code
),

loaded_industry_totals as (
    select country, ref_year, industry_system, industry_code, cast(sum(employees) as bigint) as industry_employees
    from {{ cells }}
    group by country, ref_year, industry_system, industry_code
),

national_industry_totals as (
    select country, ref_year, industry_system, industry_code, industry_employees, lq_reference
    from {{ ref('int_industry_totals') }}
),

national_systems as (
    select distinct country, ref_year, industry_system from national_industry_totals
),

industry_totals as (
    select n.* from national_industry_totals as n
    union all
    select l.*, 'loaded_areas' as lq_reference
    from loaded_industry_totals as l
    where not exists (
        select 1 from national_systems as s
        where s.country = l.country and s.ref_year = l.ref_year and s.industry_system = l.industry_system
    )
),

economy_totals as (
    select country, ref_year, industry_system, lq_reference, cast(sum(industry_employees) as bigint) as economy_employees
    from industry_totals
    group by country, ref_year, industry_system, lq_reference
),

with_lq as (
    select
        c.country,
        c.ref_year,
        c.region_code,
        c.industry_system,
        c.industry_code,
        c.establishments,
        c.employees,
        c.payroll,
        c.is_employment_withheld,
        c.is_estimate,
        c.is_synthetic,
        a.area_employees,
        i.industry_employees,
        e.economy_employees,
        i.lq_reference,
        case when not c.is_employment_withheld then
            {{ safe_divide(safe_divide('c.employees', 'a.area_employees'),
                           safe_divide('i.industry_employees', 'e.economy_employees')) }}
        end as lq,
        case when not c.is_employment_withheld then
            {{ safe_divide('c.employees', 'i.industry_employees') }}
        end as national_share,
        case when not c.is_employment_withheld then
            c.employees - a.area_employees * {{ safe_divide('i.industry_employees', 'e.economy_employees') }}
        end as prevalence_index
    from {{ cells }} as c
    inner join area_totals as a
        on c.country = a.country and c.ref_year = a.ref_year
        and c.industry_system = a.industry_system and c.region_code = a.region_code
    left join industry_totals as i
        on c.country = i.country and c.ref_year = i.ref_year
        and c.industry_system = i.industry_system and c.industry_code = i.industry_code
    left join economy_totals as e
        on i.country = e.country and i.ref_year = e.ref_year
        and i.industry_system = e.industry_system and i.lq_reference = e.lq_reference
)
{% endmacro %}
