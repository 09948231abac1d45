-- Employment and payroll of every industry in the nation (all loaded regions of the country and year), the
-- reference of the typology's linkage measures (D2, D4, D6).
with cells as (
    select country, ref_year, region_code, industry_system, industry_code, employees, payroll
    from {{ ref('int_region_industry_lq') }}
)

select country, ref_year, industry_system, industry_code,
       sum(employees) as employees, sum(payroll) as payroll,
       sum(case when payroll is not null then employees end) as employees_with_payroll
from cells group by country, ref_year, industry_system, industry_code
