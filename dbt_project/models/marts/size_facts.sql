-- The deck's size facts across the districts of each country and year, beside the deck's reference
-- shares (seeds/size_fact_rules.csv) and the threshold each fact applied (a rule of the rule set).
with district_facts as (
    select * from {{ ref('int_district_size_facts') }}
),

counted as (
    select
        country,
        ref_year,
        fact,
        max(threshold) as threshold,
        count(*) as districts,
        cast(sum(case when meets then 1 else 0 end) as bigint) as districts_meeting
    from district_facts
    group by country, ref_year, fact
),

final as (
    select
        c.country,
        c.ref_year,
        c.fact,
        c.threshold,
        c.districts,
        c.districts_meeting,
        round({{ safe_divide('c.districts_meeting', 'c.districts') }}, 6) as share,
        f.reference_share,
        round({{ safe_divide('c.districts_meeting', 'c.districts') }} - f.reference_share, 6) as share_minus_reference
    from counted as c
    inner join {{ ref('size_fact_rules') }} as f on c.fact = f.fact
)

select * from final
