-- The Sforzi-ISTAT district algorithm (METHOD.md 1.2), step by step, for every region (labour-
-- market area where the country's setting and a map allow) and year:
--   2. manufacturing area: LQ > 1 in manufacturing (or business / consumer services) and a
--      manufacturing prevalence index above those of business and consumer services;
--   3. SME specialisation: the highest size-class LQ of manufacturing employment falls in small
--      (< 50) or medium (50-249) units;
--   4. main industry: the ISTAT manufacturing group with LQ > 1 and the highest prevalence index;
--   5. more than 50 % of main-group employment in units under 250 employees (the small units'
--      share instead, when the main group has exactly one medium unit);
--   6. district = steps 2-5 pass. Groups with LQ > 1 that also pass step 5 count as
--      specialisations (multi-specialisation when more than one).
-- Where the inputs of a step are missing (statistics without size classes), the step and the
-- result are NULL and method_note says why; nothing is guessed.
with sectors as (
    select * from {{ ref('int_sforzi_sectors') }}
),

units as (
    select * from {{ ref('int_sforzi_units') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

regions as (
    select distinct country, region_code, region_level, region_name from {{ ref('int_area_regions') }}
),

region_years as (
    select distinct country, ref_year, region_code from sectors
),

macro as (
    select
        country, ref_year, region_code,
        max(case when unit_code = 'manufacturing' then lq end) as lq_manufacturing,
        max(case when unit_code = 'business_services' then lq end) as lq_business_services,
        max(case when unit_code = 'consumer_services' then lq end) as lq_consumer_services,
        max(case when unit_code = 'manufacturing' then prevalence_index end) as pi_manufacturing,
        max(case when unit_code = 'business_services' then prevalence_index end) as pi_business_services,
        max(case when unit_code = 'consumer_services' then prevalence_index end) as pi_consumer_services
    from sectors
    where unit_kind = 'macro_sector'
    group by country, ref_year, region_code
),

size_data as (
    -- Country-years whose inputs carry unit sizes (registers).
    select distinct country, ref_year from units
),

disclosure as (
    select * from {{ ref('int_disclosure_rules') }}
),

size_totals as (
    select country, ref_year, region_code, size_band, sum(employees) as employees, sum(units) as units,
           {{ merged_top_two('top_two_employees') }} as top_two
    from units
    group by country, ref_year, region_code, size_band
),

band_status as (
    select s.country, s.ref_year, s.region_code, s.size_band,
           {{ conf_status('s.units', 's.top_two', 's.employees') }} as conf_status
    from size_totals as s
    cross join disclosure
),

manufacturing_cells as (
    select country, ref_year, region_code, sum(units) as units, sum(employees) as employees,
           {{ merged_top_two('top_two') }} as top_two
    from size_totals
    group by country, ref_year, region_code
),

group_cells as (
    select country, ref_year, region_code, group_code, sum(units) as units, sum(employees) as employees,
           {{ merged_top_two('top_two_employees') }} as top_two
    from units
    group by country, ref_year, region_code, group_code
),

group_band_status as (
    select u.country, u.ref_year, u.region_code, u.group_code, u.size_band,
           {{ conf_status('u.units', 'u.top_two_employees', 'u.employees') }} as conf_status
    from units as u
    cross join disclosure
),

size_status as (
    -- The three size-class LQs share one status: with the region's total, two of them would reveal the third.
    select
        country, ref_year, region_code,
        {{ inherited_conf_status(["max(case when size_band = 'small' then conf_status end)",
                                  "max(case when size_band = 'medium' then conf_status end)",
                                  "max(case when size_band = 'large' then conf_status end)"]) }} as size_status
    from band_status
    group by country, ref_year, region_code
),

manufacturing_status as (
    select m.country, m.ref_year, m.region_code,
           {{ conf_status('m.units', 'm.top_two', 'm.employees') }} as manufacturing_status
    from manufacturing_cells as m
    cross join disclosure
),

group_status as (
    -- A group's values: its cell, and the medium and large units its SME and small shares would reveal.
    select
        c.country, c.ref_year, c.region_code, c.group_code,
        {{ inherited_conf_status([conf_status('c.units', 'c.top_two', 'c.employees'),
                                  "coalesce(l.conf_status, 'F')", "coalesce(md.conf_status, 'F')"]) }}
            as group_status
    from group_cells as c
    cross join disclosure
    left join group_band_status as l
        on l.country = c.country and l.ref_year = c.ref_year and l.region_code = c.region_code
        and l.group_code = c.group_code and l.size_band = 'large'
    left join group_band_status as md
        on md.country = c.country and md.ref_year = c.ref_year and md.region_code = c.region_code
        and md.group_code = c.group_code and md.size_band = 'medium'
),

size_lq as (
    select
        s.country, s.ref_year, s.region_code, s.size_band,
        {{ safe_divide(
            safe_divide('s.employees', 'sum(s.employees) over (partition by s.country, s.ref_year, s.region_code)'),
            safe_divide('sum(s.employees) over (partition by s.country, s.ref_year, s.size_band)',
                        'sum(s.employees) over (partition by s.country, s.ref_year)')) }} as lq
    from size_totals as s
),

size_pivot as (
    select
        country, ref_year, region_code,
        coalesce(max(case when size_band = 'small' then lq end), 0) as lq_small_units,
        coalesce(max(case when size_band = 'medium' then lq end), 0) as lq_medium_units,
        coalesce(max(case when size_band = 'large' then lq end), 0) as lq_large_units
    from size_lq
    group by country, ref_year, region_code
),

group_units as (
    select
        country, ref_year, region_code, group_code,
        sum(employees) as employees,
        sum(case when size_band in ('small', 'medium') then employees else 0 end) as sme_employees,
        sum(case when size_band = 'small' then employees else 0 end) as small_employees,
        sum(case when size_band = 'medium' then units else 0 end) as medium_units,
        bool_or(is_estimate) as is_estimate
    from units
    group by country, ref_year, region_code, group_code
),

group_tests as (
    select
        g.country, g.ref_year, g.region_code, g.unit_code as group_code, g.lq, g.prevalence_index, g.employees,
        {{ safe_divide('u.sme_employees', 'u.employees') }} as sme_share,
        {{ safe_divide('u.small_employees', 'u.employees') }} as small_share,
        u.medium_units,
        u.is_estimate,
        case when u.medium_units = 1 then 'small_share_one_medium_unit' else 'sme_share' end as sme_test,
        case
            when u.employees is null then null
            when u.medium_units = 1 then {{ safe_divide('u.small_employees', 'u.employees') }} > r.sforzi_min_sme_share
            else {{ safe_divide('u.sme_employees', 'u.employees') }} > r.sforzi_min_sme_share
        end as passes_sme_test
    from sectors as g
    cross join rules as r
    left join group_units as u
        on g.country = u.country and g.ref_year = u.ref_year and g.region_code = u.region_code
        and g.unit_code = u.group_code
    where g.unit_kind = 'istat_group' and g.lq > r.sforzi_min_lq
),

main_group as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by country, ref_year, region_code order by prevalence_index desc, group_code
            ) as group_rank
        from group_tests
    ) as ranked
    where group_rank = 1
),

specialisations as (
    select country, ref_year, region_code, count(*) as specialisation_groups
    from group_tests
    where passes_sme_test
    group by country, ref_year, region_code
),

steps as (
    select
        y.country,
        y.ref_year,
        y.region_code,
        m.lq_manufacturing,
        m.pi_manufacturing,
        m.pi_business_services,
        m.pi_consumer_services,
        coalesce(
            (m.lq_manufacturing > r.sforzi_min_lq or m.lq_business_services > r.sforzi_min_lq
             or m.lq_consumer_services > r.sforzi_min_lq)
            and m.pi_manufacturing > coalesce(m.pi_business_services, -1e18)
            and m.pi_manufacturing > coalesce(m.pi_consumer_services, -1e18),
            false
        ) as is_manufacturing_area,
        d.country is not null as has_size_classes,
        p.lq_small_units,
        p.lq_medium_units,
        p.lq_large_units,
        case
            when d.country is null then null
            when p.region_code is null then false
            else greatest(p.lq_small_units, p.lq_medium_units) >= p.lq_large_units
        end as is_sme_specialised,
        g.group_code as main_group_code,
        g.lq as main_group_lq,
        g.prevalence_index as main_group_prevalence_index,
        g.employees as main_group_employees,
        g.sme_share as main_group_sme_share,
        g.small_share as main_group_small_share,
        g.medium_units as main_group_medium_units,
        case when d.country is not null and g.group_code is not null then g.sme_test end as sme_test,
        case when d.country is null then null else coalesce(g.passes_sme_test, false) end
            as passes_main_group_sme_test,
        coalesce(s.specialisation_groups, 0) as specialisation_groups,
        coalesce(g.is_estimate, false) as is_estimate,
        -- Regions of countries without unit sizes (official statistics) publish aggregates: free.
        coalesce(ms.manufacturing_status, 'F') as manufacturing_status,
        coalesce(ss.size_status, 'F') as size_status,
        coalesce(gs.group_status, 'F') as group_status
    from region_years as y
    cross join rules as r
    left join macro as m on y.country = m.country and y.ref_year = m.ref_year and y.region_code = m.region_code
    left join size_data as d on y.country = d.country and y.ref_year = d.ref_year
    left join size_pivot as p on y.country = p.country and y.ref_year = p.ref_year and y.region_code = p.region_code
    left join main_group as g on y.country = g.country and y.ref_year = g.ref_year and y.region_code = g.region_code
    left join specialisations as s
        on y.country = s.country and y.ref_year = s.ref_year and y.region_code = s.region_code
    left join manufacturing_status as ms
        on y.country = ms.country and y.ref_year = ms.ref_year and y.region_code = ms.region_code
    left join size_status as ss on y.country = ss.country and y.ref_year = ss.ref_year and y.region_code = ss.region_code
    left join group_status as gs
        on g.country = gs.country and g.ref_year = gs.ref_year and g.region_code = gs.region_code
        and g.group_code = gs.group_code
),

final as (
    select
        s.country,
        s.ref_year,
        coalesce(g.region_level, 'area') as area_level,
        s.region_code as area_code,
        coalesce(g.region_name, s.region_code) as area_name,
        round(s.lq_manufacturing, 6) as lq_manufacturing,
        round(s.pi_manufacturing, 2) as prevalence_manufacturing,
        round(s.pi_business_services, 2) as prevalence_business_services,
        round(s.pi_consumer_services, 2) as prevalence_consumer_services,
        s.is_manufacturing_area,
        round(s.lq_small_units, 6) as lq_small_units,
        round(s.lq_medium_units, 6) as lq_medium_units,
        round(s.lq_large_units, 6) as lq_large_units,
        s.is_sme_specialised,
        s.main_group_code,
        grp.group_name_en as main_group_name,
        round(s.main_group_lq, 6) as main_group_lq,
        round(s.main_group_prevalence_index, 2) as main_group_prevalence_index,
        cast(s.main_group_employees as double) as main_group_employees,
        round(s.main_group_sme_share, 8) as main_group_sme_share,
        round(s.main_group_small_share, 8) as main_group_small_share,
        cast(s.main_group_medium_units as bigint) as main_group_medium_units,
        s.sme_test,
        s.passes_main_group_sme_test,
        s.specialisation_groups,
        case
            when not s.has_size_classes then null
            else s.is_manufacturing_area and s.is_sme_specialised and s.main_group_code is not null
                and s.passes_main_group_sme_test
        end as is_district,
        case
            when not s.has_size_classes then
                'no unit sizes in the inputs (statistics without size classes): steps 3 and 5 cannot be applied'
            when not s.is_manufacturing_area then 'step 2: not a manufacturing area'
            when not s.is_sme_specialised then 'step 3: manufacturing is specialised in large units'
            when s.main_group_code is null then 'step 4: no manufacturing group with LQ > 1'
            when not s.passes_main_group_sme_test then 'step 5: main group not mainly in SMEs'
            else 'steps 2-5 pass'
        end as method_note,
        'sforzi_istat' as identification_method,
        s.is_estimate,
        r.rule_set_version,
        s.manufacturing_status as manufacturing_conf_status,
        s.size_status as size_conf_status,
        s.group_status as main_group_conf_status,
        -- The steps' outcomes (is_manufacturing_area, is_sme_specialised, the SME test, is_district) are
        -- published and inherit the strongest status of the values they test.
        {{ inherited_conf_status(['s.manufacturing_status', 's.size_status', 's.group_status']) }} as conf_status
    from steps as s
    cross join rules as r
    left join regions as g on s.country = g.country and s.region_code = g.region_code
    left join {{ ref('istat_manufacturing_groups') }} as grp on s.main_group_code = grp.group_code
)

select * from final
