-- How often the computed main industry of a district agrees with the statistical office's own
-- specialisation group of its labour-market area (ISTAT's SLL 2021 classification): a validity figure
-- of the identification on real registers.
with districts as (
    select * from {{ ref('int_districts') }}
)

select
    country,
    ref_year,
    identification_method,
    count(*) as districts,
    count(agrees_with_istat_specialisation) as districts_classified,
    count(*) filter (where agrees_with_istat_specialisation) as districts_agreeing,
    round({{ safe_divide('count(*) filter (where agrees_with_istat_specialisation)',
                         'count(agrees_with_istat_specialisation)') }}, 6) as share_agreeing
from districts
group by country, ref_year, identification_method
