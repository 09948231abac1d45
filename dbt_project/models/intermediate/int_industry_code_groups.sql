-- Every industry code in the region cells with its macro-sector (Sforzi-ISTAT step 2) and, for
-- manufacturing, its ISTAT industry group (step 4): the longest matching prefix in
-- seeds/macro_sectors.csv and seeds/istat_group_codes.csv wins.
with codes as (
    select distinct industry_system, industry_code from {{ ref('int_region_industry_lq') }}
),

macro as (
    select
        c.industry_system,
        c.industry_code,
        m.macro_sector,
        row_number() over (
            partition by c.industry_system, c.industry_code order by length(m.code_prefix) desc
        ) as match_rank
    from codes as c
    inner join {{ ref('macro_sectors') }} as m
        on c.industry_system = m.industry_system
        and substr(c.industry_code, 1, length(m.code_prefix)) = m.code_prefix
),

grp as (
    select
        c.industry_system,
        c.industry_code,
        g.group_code,
        row_number() over (
            partition by c.industry_system, c.industry_code order by length(g.code_prefix) desc
        ) as match_rank
    from codes as c
    inner join {{ ref('istat_group_codes') }} as g
        on c.industry_system = g.industry_system
        and substr(c.industry_code, 1, length(g.code_prefix)) = g.code_prefix
)

select
    c.industry_system,
    c.industry_code,
    macro.macro_sector,
    case when macro.macro_sector = 'manufacturing' then grp.group_code end as group_code
from codes as c
left join macro on c.industry_system = macro.industry_system and c.industry_code = macro.industry_code
    and macro.match_rank = 1
left join grp on c.industry_system = grp.industry_system and c.industry_code = grp.industry_code
    and grp.match_rank = 1
