(module
  (type (;0;) (func))
  (type (;1;) (func))
  (type (;2;) (func))
  (table (;0;) 64 funcref)
  (memory (;0;) 1)
  (func (;0;) (type 2)
    (local i32 i32 f64 f64 f64 f64 i32 i32 i32 i32 i32)
    local.get 1
    if ;; label = @1
      f32.const 0x0p+0 (;=0;)
      drop
      local.get 5
      drop
      i32.const 12
      local.set 7
      loop ;; label = @2
        f32.const -0x1.5fcp+7 (;=-175.875;)
        i64.const 186474528274
        i32.const 2133345790
        drop
        drop
        drop
        i32.const 0
        drop
        local.get 7
        i32.const 1
        i32.sub
        local.tee 7
        br_if 0 (;@2;)
      end
    end
    block ;; label = @1
      block ;; label = @2
        i32.const 392
        i64.const 681391531902
        i64.store
        local.get 1
        br_if 0 (;@2;)
        local.get 0
        drop
        i32.const 15
        i32.const 16
        local.set 10
        drop
        local.get 10
        call_indirect (type 0)
      end
      block ;; label = @2
        local.get 1
        i32.const 97
        i32.lt_u
        br_if 0 (;@2;)
        i32.const 272
        f32.load offset=180
        drop
        f64.const -0x1.c8cp+8 (;=-456.75;)
        f64.const -0x1.fp+3 (;=-15.5;)
        drop
        drop
        f32.const 0x0p+0 (;=0;)
        drop
      end
      local.get 1
      br_if 0 (;@1;)
      block ;; label = @2
        local.get 0
        i32.const 179
        i32.lt_u
        br_if 0 (;@2;)
        f32.const 0x1.bfp+6 (;=111.75;)
        drop
        f32.const 0x1.b8p+7 (;=220;)
        drop
      end
      i32.const 6
      local.set 8
      loop ;; label = @2
        i32.const 3608
        i32.const 15
        i32.store
        local.get 8
        i32.const 1
        i32.sub
        local.tee 8
        br_if 0 (;@2;)
      end
    end
    block ;; label = @1
      local.get 0
      i32.const 71
      i32.lt_u
      if ;; label = @2
        i32.const 1904
        f32.load
        drop
        i32.const 960
        f32.const 0x1.12cp+7 (;=137.375;)
        f32.store
      else
        local.get 0
        local.get 3
        f32.const 0x0p+0 (;=0;)
        i32.const 31
        local.set 10
        drop
        drop
        drop
        local.get 10
        call_indirect (type 1)
        i32.const 0
        drop
        f32.const 0x1.bp+6 (;=108;)
        local.get 3
        i64.const -155701066870
        drop
        drop
        drop
        i64.const 0
        f32.const 0x0p+0 (;=0;)
        drop
        drop
      end
      i32.const 3
      local.set 9
      loop ;; label = @2
        i32.const 2712
        i32.const 13
        i32.store16 offset=38
        local.get 1
        i32.const 4142
        i32.gt_s
        if ;; label = @3
          i32.const 3016
          i32.const 13
          i32.const 12
          memory.fill
          local.get 0
          i32.const 1439
          i32.ne
          if ;; label = @4
            local.get 5
            local.get 2
            local.get 0
            i32.const 62
            i32.lt_u
            select
            drop
            local.get 1
            i32.const 121
            i32.lt_u
            if ;; label = @5
              local.get 0
              i32.const 23
              local.set 10
              drop
              local.get 10
              call_indirect (type 0)
              i64.const -735941117105
              local.get 4
              i32.const 1
              local.get 1
              drop
              drop
              drop
              drop
              i32.const 1192
              f64.const -0x1.f88p+7 (;=-252.25;)
              f64.store
            end
            i32.const 3432
            local.get 0
            i32.store8
            local.get 6
            local.get 0
            i32.const 65520
            i32.and
            v128.load32_splat offset=16
            unreachable
          else
            unreachable
          end
          unreachable
        else
          unreachable
        end
        unreachable
      end
      unreachable
    end
    unreachable
  )
)
