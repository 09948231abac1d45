-- Inputs that arrive in other years than the statistics (population, bank branches): for every country and
-- reference year of the loaded cells, the latest year of each such input that is not after the reference
-- year. The one place that decides which year of an input a reference year uses.
with reference_years as (
    select distinct country, ref_year from {{ ref('int_area_industry') }}
),

input_years as (
    select distinct country, ref_year, 'population' as input from {{ ref('stg_landing__population') }}
    union all
    select distinct country, ref_year, 'bank_branches' as input from {{ ref('stg_landing__bank_branches') }}
)

select
    r.country,
    r.ref_year,
    i.input,
    max(i.ref_year) as input_year
from reference_years as r
inner join input_years as i on i.country = r.country and i.ref_year <= r.ref_year
group by r.country, r.ref_year, i.input
