-- The deck's size facts across the districts of each country and year, beside the deck's
-- reference shares (dbt_project/seeds/deck_reference_shares.csv).
with districts as (
    select * from {{ ref('districts') }}
),

flags as (
    select country, ref_year, 'over_200_firms' as fact, over_200_firms as meets from districts
    union all
    select country, ref_year, 'over_600_firms', over_600_firms from districts
    union all
    select country, ref_year, 'under_5000_employees', under_5000_employees from districts
    union all
    select country, ref_year, 'over_20000_employees', over_20000_employees from districts
    union all
    select country, ref_year, 'has_critical_mass', has_critical_mass from districts
),

counted as (
    select
        country,
        ref_year,
        fact,
        count(*) as districts,
        cast(sum(case when meets then 1 else 0 end) as bigint) as districts_meeting
    from flags
    group by country, ref_year, fact
),

final as (
    select
        c.country,
        c.ref_year,
        c.fact,
        d.threshold,
        c.districts,
        c.districts_meeting,
        {{ safe_divide('c.districts_meeting', 'c.districts') }} as share,
        d.reference_share,
        {{ safe_divide('c.districts_meeting', 'c.districts') }} - d.reference_share as share_minus_reference
    from counted as c
    inner join {{ ref('deck_reference_shares') }} as d on c.fact = d.fact
)

select * from final
