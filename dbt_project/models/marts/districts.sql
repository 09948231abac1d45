-- Published as computed in intermediate.int_districts_published (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_districts_published') }}
